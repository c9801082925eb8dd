"""Crews' scales: registering them, and judging the scale behind each weighing.

A weighing names its scale (`scale_id`, sent by the truck's reader). When it names
one the municipality has not registered, or one whose legal inspection (정기검사)
lapsed before the weighing's local day, the scan is stored as usual with the flag
`unregistered_scale` or `scale_inspection_due`, which puts it in the officials'
review queue. Scans that name no scale (typed on a phone) are not judged.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from backend.collection_events.models import Flag, Scale
from backend.collection_events.submissions import ScanSubmission
from backend.core.errors import DomainError
from backend.municipalities.models import Hauler, Municipality
from backend.tags.models import Tag


@dataclass(frozen=True)
class ScaleBook:
    """The registered scales a batch of scans names, read in one query."""

    scales: dict[tuple, Scale]

    @classmethod
    def for_scans(cls, scans: Iterable[tuple[ScanSubmission, Tag]]) -> "ScaleBook":
        serials, municipalities = set(), set()
        for scan, tag in scans:
            if scan.scale_id and scan.weight_g is not None:
                serials.add(scan.scale_id)
                municipalities.add(tag.bin.restaurant.municipality_id)
        if not serials:
            return cls({})
        found = Scale.objects.filter(serial__in=serials, municipality_id__in=municipalities).select_related(
            "municipality"
        )
        return cls({(scale.municipality_id, scale.serial): scale for scale in found})

    def flags(self, scan: ScanSubmission, municipality_id) -> list[str]:
        if not scan.scale_id or scan.weight_g is None:
            return []
        scale = self.scales.get((municipality_id, scan.scale_id))
        if scale is None:
            return [Flag.UNREGISTERED_SCALE]
        local_day = scan.collected_at.astimezone(scale.municipality.zone).date()
        return [Flag.SCALE_INSPECTION_DUE] if scale.inspection_due_on(local_day) else []


def _check_hauler(municipality: Municipality, hauler: Hauler) -> None:
    if hauler.municipality_id != municipality.id:
        raise DomainError(
            "hauler_not_in_municipality",
            _("The hauler does not work for this municipality."),
            fields={"hauler": ["not in this municipality"]},
        )


def _check_inspection(inspected_on: date, today: date) -> None:
    if inspected_on > today:
        raise DomainError(
            "inspection_in_future",
            _("The inspection date is in the future."),
            fields={"inspected_on": ["in the future"]},
        )


def _taken(serial: str) -> DomainError:
    return DomainError(
        "scale_exists",
        _("Scale %(serial)s is already registered.") % {"serial": serial},
        fields={"serial": ["already registered"]},
        status_code=409,
    )


def register_scale(
    *, municipality: Municipality, hauler: Hauler, serial: str, model: str = "", inspected_on: date, today: date
) -> Scale:
    serial = serial.strip()
    if not serial:
        raise DomainError("serial_required", _("Enter the scale's id."), fields={"serial": ["required"]})
    _check_hauler(municipality, hauler)
    _check_inspection(inspected_on, today)
    try:
        with transaction.atomic():
            return Scale.objects.create(
                municipality=municipality, hauler=hauler, serial=serial, model=model.strip(), inspected_on=inspected_on
            )
    except IntegrityError:
        raise _taken(serial) from None


def update_scale(*, scale: Scale, today: date, **changes) -> Scale:
    """A new inspection date, another hauler or model; the serial stays (weighings name it)."""
    if "serial" in changes and changes["serial"] != scale.serial:
        raise DomainError(
            "serial_fixed",
            _("A scale's id cannot change; register a new scale."),
            fields={"serial": ["cannot change"]},
        )
    changes.pop("serial", None)
    if "hauler" in changes:
        _check_hauler(scale.municipality, changes["hauler"])
    if "inspected_on" in changes:
        _check_inspection(changes["inspected_on"], today)
    for field, value in changes.items():
        setattr(scale, field, value)
    scale.save()
    return scale
