"""Reading pickup requests for the people who act on them."""

from datetime import date

from backend.accounts.models import User
from backend.pickup_requests.models import PickupRequest


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
