"""What Open311 GeoReport v2 answers look like (https://wiki.open311.org/GeoReport_v2):
the service list, each service's definition, and a service request as the spec names
its fields. Texts are turned into words in the language active when these are called."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from backend.open311.models import ServiceCode, ServiceRequest
from backend.pickup_requests.models import OPEN_STATUSES, RequestKind
from backend.tags.models import TagReportKind

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
#: The day the service list or definitions last changed (discovery's `changeset`).
CHANGESET = "2026-11-30T00:00:00+09:00"

_DESCRIPTIONS = {
    ServiceCode.EXTRA_PICKUP: _("Ask for a pickup of the bin on a day of your choice, besides the regular round."),
    ServiceCode.MISSED_PICKUP: _("Report that the bin was put out and not collected on its day."),
    ServiceCode.TAG_PROBLEM: _("Report that the bin's NFC/QR tag is lost or damaged, so that a new one is issued."),
}
_KEYWORDS = {
    ServiceCode.EXTRA_PICKUP: "food waste,pickup,음식물,추가 수거",
    ServiceCode.MISSED_PICKUP: "food waste,missed pickup,음식물,미수거",
    ServiceCode.TAG_PROBLEM: "food waste,tag,QR,NFC,태그",
}
GROUP = _("Food waste (restaurants)")


def _tag_attribute(order: int) -> dict[str, Any]:
    return {
        "variable": True,
        "code": "tag",
        "datatype": "string",
        "required": True,
        "datatype_description": str(_("The tag URL (…/t/…) or the code printed on the bin's label, e.g. ABCD-EFGH-K.")),
        "order": order,
        "description": str(_("Bin tag")),
    }


def service_list() -> list[dict[str, Any]]:
    return [
        {
            "service_code": code.value,
            "service_name": str(code.label),
            "description": str(_DESCRIPTIONS[code]),
            "metadata": True,
            "type": "realtime",
            "keywords": _KEYWORDS[code],
            "group": str(GROUP),
        }
        for code in ServiceCode
    ]


def service_definition(service_code: str) -> dict[str, Any] | None:
    if service_code not in ServiceCode.values:
        return None
    attributes = [_tag_attribute(1)]
    if service_code == ServiceCode.TAG_PROBLEM:
        attributes.append(
            {
                "variable": True,
                "code": "problem",
                "datatype": "singlevaluelist",
                "required": True,
                "datatype_description": None,
                "order": 2,
                "description": str(_("What happened to the tag")),
                "values": [{"key": kind.value, "name": str(kind.label)} for kind in TagReportKind],
            }
        )
    else:
        day = (
            _("The local day of the extra pickup, YYYY-MM-DD; empty: today.")
            if service_code == ServiceCode.EXTRA_PICKUP
            else _("The local day the pickup was missed, YYYY-MM-DD; empty: today.")
        )
        attributes.append(
            {
                "variable": True,
                "code": "requested_for",
                "datatype": "string",
                "required": False,
                "datatype_description": str(day),
                "order": 2,
                "description": str(_("Day")),
            }
        )
    return {"service_code": service_code, "attributes": attributes}


def discovery(base_url: str) -> dict[str, Any]:
    return {
        "changeset": CHANGESET,
        "contact": settings.OPEN311_CONTACT,
        "key_service": str(_("Ask the district office for an api_key: officials issue one per app.")),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def _moment(value: dt.datetime | None, zone) -> str | None:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else None


def as_request(filed: ServiceRequest) -> dict[str, Any]:
    """One service request in the spec's fields. Needs `with_details` rows."""
    pickup, report = filed.pickup_request, filed.tag_report
    restaurant = pickup.restaurant if pickup is not None else report.bin.restaurant  # type: ignore[union-attr]
    zone = filed.municipality.zone
    agency = filed.municipality.name
    expected = None
    if pickup is not None:
        steps = list(pickup.steps.all())
        last = steps[-1] if steps else None
        status = "open" if pickup.status in OPEN_STATUSES else "closed"
        notes = str(pickup.get_status_display())
        if last is not None and last.reason:
            notes = f"{notes}: {last.reason}"
        if pickup.hauler is not None:
            agency = pickup.hauler.name
        updated = last.at if last is not None else pickup.created_at
        description = pickup.note
        if pickup.status in OPEN_STATUSES and pickup.kind == RequestKind.EXTRA_PICKUP:
            # An extra pickup is due by the end of the asked-for local day.
            expected = dt.datetime.combine(pickup.requested_for + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    else:
        assert report is not None
        status = "open" if report.resolved_at is None else "closed"
        notes = str(_("Received") if report.resolved_at is None else _("Done"))
        updated = report.resolved_at or report.created_at
        description = report.note
    return {
        "service_request_id": str(filed.id),
        "status": status,
        "status_notes": notes,
        "service_name": str(ServiceCode(filed.service_code).label),
        "service_code": filed.service_code,
        "description": description,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": _moment(filed.created_at, zone),
        "updated_datetime": _moment(updated, zone),
        "expected_datetime": _moment(expected, zone),
        "address": restaurant.address,
        "address_id": None,
        "zipcode": None,
        "lat": float(restaurant.lat) if restaurant.lat is not None else None,
        "long": float(restaurant.lng) if restaurant.lng is not None else None,
        "media_url": None,
    }


def with_details(queryset):
    """Requests with everything `as_request` reads, in three queries whatever their number."""
    return queryset.select_related(
        "municipality",
        "pickup_request__restaurant",
        "pickup_request__hauler",
        "tag_report__bin__restaurant",
    ).prefetch_related("pickup_request__steps")
