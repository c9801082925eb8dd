"""Reading the owner's pickups for the pages: one page of the list (keyset, so the fifth
year costs what the first does) and today's state of each bin."""

import base64
import binascii
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backend.billing.periods import Period
from backend.billing.pickups import TariffBook
from backend.collection_events.models import CollectionEvent
from backend.core.errors import DomainError
from backend.municipalities.local_time import days_bounds
from backend.restaurants.models import Bin, BinStatus

PAGE_SIZE = 30


def is_collection_day(bin: Bin, day: date) -> bool:
    """Whether the crew comes for the bin on this local day. Bins learn their collection
    days (`Bin.is_due_on`) in the schedules' change; until then every day is one."""
    is_due_on = getattr(bin, "is_due_on", None)
    return True if is_due_on is None else bool(is_due_on(day))


class PickupFilter(forms.Form):
    """Month and bin. The bins are the owner's own, read once with the page (a choice of
    another's bin is an error like any unknown value)."""

    month = forms.CharField(
        required=False, label=gettext_lazy("Month"), widget=forms.TextInput(attrs={"type": "month"})
    )
    bin = forms.TypedChoiceField(required=False, label=gettext_lazy("Bin"), coerce=uuid.UUID, empty_value=None)

    def __init__(self, data, *, bins: list[Bin]):
        super().__init__(data)
        choices = [(str(bin.id), f"{bin.restaurant.name} · {bin.label}") for bin in bins]
        self.fields["bin"].choices = [("", _("All bins")), *choices]  # type: ignore[attr-defined]

    def clean_month(self) -> Period | None:
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            return Period.parse(text)
        except DomainError as error:
            raise forms.ValidationError(str(error.message)) from None


@dataclass
class Row:
    event: CollectionEvent
    fee: int | None


@dataclass
class Today:
    bin: Bin
    due: bool
    collected: bool


@dataclass
class PickupPage:
    zone: ZoneInfo
    today: date
    form: PickupFilter
    rows: list[Row]
    older: str | None  # the cursor of the next (older) page
    today_bins: list[Today] = field(default_factory=list)

    @property
    def filtered(self) -> bool:
        return bool(self.form.is_bound and self.form.is_valid() and any(self.form.cleaned_data.values()))


def _cursor(event: CollectionEvent) -> str:
    text = f"{event.collected_at.isoformat()}|{event.id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _after_cursor(cursor: str) -> Q | None:
    """The rows older than the cursor's row, or None for a cursor we did not write."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment_text, id_text = text.split("|")
        moment, event_id = parse_datetime(moment_text), uuid.UUID(id_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return Q(collected_at__lt=moment) | Q(collected_at=moment, id__lt=event_id)


def read_page(user, params, *, now: datetime) -> PickupPage:
    """One page of the user's pickups (newest first) and today's state of each active bin.
    Four queries whatever the history: the bins (and the zone), the page, tariffs, today's visits."""
    bins = list(
        Bin.objects.visible_to(user).select_related("restaurant__municipality").order_by("restaurant__name", "label")
    )
    zone = bins[0].restaurant.municipality.zone if bins else ZoneInfo(settings.TIME_ZONE)
    today = now.astimezone(zone).date()
    form = PickupFilter(params if params.get("month") or params.get("bin") else None, bins=bins)
    events = (
        CollectionEvent.objects.visible_to(user).select_related("bin", "restaurant").order_by("-collected_at", "-id")
    )
    if form.is_bound and form.is_valid():
        if form.cleaned_data["month"]:
            start, end = form.cleaned_data["month"].bounds(zone)
            events = events.filter(collected_at__gte=start, collected_at__lt=end)
        if form.cleaned_data["bin"]:
            events = events.filter(bin_id=form.cleaned_data["bin"])
    after = _after_cursor(params.get("before", "")) if params.get("before") else None
    if after is not None:
        events = events.filter(after)
    found = list(events[: PAGE_SIZE + 1])
    book = TariffBook.for_user(user)
    rows = [Row(event, book.fee(event, zone)) for event in found[:PAGE_SIZE]]
    older = _cursor(found[PAGE_SIZE - 1]) if len(found) > PAGE_SIZE else None
    return PickupPage(zone=zone, today=today, form=form, rows=rows, older=older, today_bins=_today(bins, today, zone))


def _today(bins: list[Bin], today: date, zone: ZoneInfo) -> list[Today]:
    """Each bin in service on a collection day: collected today or not yet (one query)."""
    bins = [bin for bin in bins if bin.status == BinStatus.ACTIVE]
    if not bins:
        return []
    start, end = days_bounds(today, today, zone)
    visits = CollectionEvent.objects.filter(collected_at__gte=start, collected_at__lt=end, bin__in=[b.id for b in bins])
    visited = set(visits.values_list("bin_id", flat=True))
    return [Today(bin, is_collection_day(bin, today), bin.id in visited) for bin in bins]
