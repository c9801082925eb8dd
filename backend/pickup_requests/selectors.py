"""Reading pickup requests for the people who act on them."""

from datetime import date

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncMonth

from backend.accounts.models import User
from backend.pickup_requests.models import OPEN_STATUSES, PickupRequest, RequestKind, RequestStatus


def open_requests_for_day(*, collector: User, day: date) -> list[PickupRequest]:
    """The open requests on the collector's route for the local day: one query."""
    return list(
        PickupRequest.objects.visible_to(collector)
        .open()
        .filter(requested_for=day)
        .select_related("restaurant__district", "bin", "assignee")
        .order_by("restaurant__district__name", "restaurant__address", "created_at")
    )


def with_history(queryset):
    """Requests with their steps and the names the timeline shows, in three queries."""
    return queryset.select_related("restaurant", "bin", "hauler", "assignee").prefetch_related(
        "steps__by", "steps__hauler", "steps__assignee", "steps__collection"
    )


MEASURES = ("requested", "done", "turned_down", "cancelled", "open", "missed")


def requests_by_month(
    *, municipality_id, first_day: date, last_day: date, using: str = DEFAULT_DB_ALIAS
) -> dict[date, dict[str, int]]:
    """A municipality's pickup requests for the days first_day..last_day (the local day
    each was asked for), per month (its 1st): `requested` (extra pickups asked for, every
    status), `done`, `turned_down`, `cancelled`, `open` of those, and `missed` (owners'
    reports of a missed pickup). One grouped query, on the database `using`."""
    extra, missed = Q(kind=RequestKind.EXTRA_PICKUP), Q(kind=RequestKind.MISSED_PICKUP)
    rows = (
        PickupRequest.objects.using(using)
        .filter(restaurant__municipality_id=municipality_id, requested_for__gte=first_day, requested_for__lte=last_day)
        .annotate(month=TruncMonth("requested_for", output_field=DateField()))
        .values("month")
        .annotate(
            requested=Count("id", filter=extra),
            done=Count("id", filter=extra & Q(status=RequestStatus.DONE)),
            turned_down=Count("id", filter=extra & Q(status=RequestStatus.REJECTED)),
            cancelled=Count("id", filter=extra & Q(status=RequestStatus.CANCELLED)),
            open=Count("id", filter=extra & Q(status__in=OPEN_STATUSES)),
            missed=Count("id", filter=missed),
        )
        .order_by()
    )
    return {row["month"]: {measure: row[measure] for measure in MEASURES} for row in rows}  # type: ignore[literal-required]
