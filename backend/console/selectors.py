"""What the officials' list pages read: restaurants searched, filtered and paged by seek.

Paging seeks past the last row shown (`(name, id) > (…)`, on the `restaurant_list_order`
index) and never counts the whole table, so page 2,000 costs what page 1 does.
Filters are one `ListFilter` each: adding one is adding a line to `FILTERS`.
"""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from backend.billing.arrears import local_today, past_due
from backend.billing.models import Invoice, InvoiceStatus
from backend.municipalities.models import District
from backend.restaurants.models import BusinessType, Restaurant, RestaurantStatus
from backend.tags.models import Tag, TagStatus

PAGE_SIZE = 50
UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)  # unpaid so far: overdue, or not yet due


def _today(user) -> date:
    """The official's municipality's date: an invoice is overdue from the day after its due date there."""
    if user.municipality is not None:
        return local_today(user.municipality)
    return timezone.localdate()


@dataclass(frozen=True)
class ListFilter:
    name: str
    label: "str | Promise"
    choices: Callable[..., Sequence[tuple[str, str]]]  # (user) → [(value, label)]
    apply: Callable[[QuerySet, str, object], QuerySet]  # (rows, value, user) → rows


def _active_tag(user):
    return Exists(Tag.objects.filter(bin__restaurant=OuterRef("pk"), status=TagStatus.ACTIVE))


def _overdue(user):
    """ "Unpaid" on the list means what the arrears page counts: past its due date."""
    return Exists(Invoice.objects.filter(past_due(_today(user)), restaurant=OuterRef("pk")))


def _yes_no(yes: "str | Promise", no: "str | Promise"):
    return lambda user: [("yes", yes), ("no", no)]


def _by_flag(expression):
    return lambda qs, value, user: qs.filter(expression(user)) if value == "yes" else qs.exclude(expression(user))


FILTERS: tuple[ListFilter, ...] = (
    ListFilter(
        "district",
        _("District"),
        lambda user: [(str(d.pk), d.name) for d in District.objects.visible_to(user).order_by("name")],
        lambda qs, value, user: qs.filter(district_id=value),
    ),
    ListFilter(
        "business_type",
        _("Business type"),
        lambda user: [(value, str(label)) for value, label in BusinessType.choices],
        lambda qs, value, user: qs.filter(business_type=value),
    ),
    ListFilter(
        "status",
        _("Status"),
        lambda user: [(value, str(label)) for value, label in RestaurantStatus.choices],
        lambda qs, value, user: qs.filter(status=value),
    ),
    ListFilter(
        "tag",
        _("Tag"),
        _yes_no(_("Has an active tag"), _("No active tag")),
        _by_flag(_active_tag),
    ),
    ListFilter(
        "unpaid",
        _("Unpaid"),
        _yes_no(_("Has unpaid invoices"), _("Nothing unpaid")),
        _by_flag(_overdue),
    ),
)


@dataclass
class FilterField:
    name: str
    label: "str | Promise"
    choices: Sequence[tuple[str, str]]
    value: str


@dataclass
class RestaurantPage:
    rows: list[Restaurant]
    next_after: str | None
    previous_before: str | None
    filters: list[FilterField]
    query: str


def restaurant_page(user, params, *, page_size: int = PAGE_SIZE) -> RestaurantPage:
    qs = Restaurant.objects.visible_to(user)
    fields = []
    for list_filter in FILTERS:
        choices = list_filter.choices(user)
        value = params.get(list_filter.name, "")
        if value not in {choice for choice, _label in choices}:
            value = ""
        if value:
            qs = list_filter.apply(qs, value, user)  # type: ignore[assignment]
        fields.append(FilterField(list_filter.name, list_filter.label, choices, value))
    query = params.get("q", "")
    qs = qs.search(query)

    after, before = _cursor(user, params.get("after")), _cursor(user, params.get("before"))
    backwards = before is not None and after is None
    cursor = before if backwards else after
    if cursor is not None:
        comparison = "<" if backwards else ">"
        qs = qs.extra(  # type: ignore[assignment]
            where=[f'("restaurants_restaurant"."name", "restaurants_restaurant"."id") {comparison} (%s, %s)'],
            params=cursor,
        )
    # A search is answered from the search index and then sorted: walking the name index
    # instead (which PostgreSQL prefers for a LIMIT) reads most of the table when the
    # matches all sort late (할매…). `name || ''` is the same order, only not indexed.
    name = Concat("name", Value("")) if query.strip() else F("name")
    order = (name.desc(), F("id").desc()) if backwards else (name.asc(), F("id").asc())
    rows = list(qs.select_related("district").order_by(*order)[: page_size + 1])
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backwards:
        rows.reverse()
    _mark_tags_and_unpaid(rows, _today(user))
    has_next = more if not backwards else True
    has_previous = cursor is not None and (more if backwards else True)
    return RestaurantPage(
        rows=rows,
        next_after=str(rows[-1].pk) if rows and has_next else None,
        previous_before=str(rows[0].pk) if rows and has_previous else None,
        filters=fields,
        query=query,
    )


def _mark_tags_and_unpaid(rows: list[Restaurant], today: date) -> None:
    """Whether each row has an active tag, and overdue invoices (`has_unpaid`) or only ones
    not yet due (`awaits_payment`): two queries over the page's ids. As EXISTS columns of
    the page's query, PostgreSQL may hash the whole tags table once (300 ms at 100,000
    restaurants) to answer 50 rows."""
    ids = [row.pk for row in rows]
    tagged = set(
        Tag.objects.filter(bin__restaurant_id__in=ids, status=TagStatus.ACTIVE).values_list(
            "bin__restaurant_id", flat=True
        )
    )
    overdue: set[uuid.UUID] = set()
    waiting: set[uuid.UUID] = set()
    unpaid = Invoice.objects.filter(restaurant_id__in=ids, status__in=UNPAID).annotate(overdue=Q(past_due(today)))
    for restaurant_id, is_overdue in unpaid.values_list("restaurant_id", "overdue"):
        (overdue if is_overdue else waiting).add(restaurant_id)
    for row in rows:
        row.has_active_tag = row.pk in tagged  # type: ignore[attr-defined]
        row.has_unpaid = row.pk in overdue  # type: ignore[attr-defined]
        row.awaits_payment = row.pk not in overdue and row.pk in waiting  # type: ignore[attr-defined]


def _cursor(user, raw: str | None) -> tuple[str, str] | None:
    """The (name, id) of the row a page starts after (or before), from that row's id; a
    malformed or unknown id starts from the beginning rather than failing."""
    try:
        pk = uuid.UUID(raw or "")
    except ValueError:
        return None
    row = Restaurant.objects.visible_to(user).filter(pk=pk).values_list("name", "id").first()
    return (row[0], str(row[1])) if row else None
