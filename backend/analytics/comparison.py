"""An owner's restaurant against similar ones: the same business type (업태), the same
size band (floor area) and the same district, month by month.

What is compared: kilograms per day (billable weighings over the month's days, or the
days so far in the current month) and kilograms per m² of floor area over the month.
The group's figure is the mean over its restaurants (a restaurant that put nothing out
counts as 0). Never shown for a month in which fewer than MIN_PEERS other restaurants
are in the group: a mean of two or three neighbours would all but name them.

One query reads every month's figures (`_monthly_rows`, from the read replica when there
is one: `reporting_db()`); the rest is arithmetic.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connections
from django.utils import timezone

from backend.accounts.access import AnyUser
from backend.collection_events.models import CollectionStatus
from backend.collection_events.selectors import scans_table
from backend.core.replica import reporting_db
from backend.municipalities.local_time import local_midnight
from backend.restaurants.models import Restaurant

MIN_PEERS = 5
MONTHS_SHOWN = 6
# Lower bounds of the size bands in m² (about 10, 20, 30 and 60 평): a 40 m² snack bar is
# compared with other small ones, not with a 180 m² hall.
SIZE_BANDS_M2 = (Decimal(0), Decimal(33), Decimal(66), Decimal(100), Decimal(200))

NO_AREA = "no_area"
SMALL_GROUP = "small_group"


def size_band(area_m2: Decimal) -> tuple[Decimal, Decimal | None]:
    """[low, high) of the band holding `area_m2`; high None for the largest band."""
    low, high = SIZE_BANDS_M2[0], None
    for bound in SIZE_BANDS_M2:
        if area_m2 >= bound:
            low = bound
        elif high is None:
            high = bound
    return low, high


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthComparison:
    month: date
    days: int
    peers: int
    my_kg_per_day: Decimal
    peer_kg_per_day: Decimal | None  # None: too few peers to show
    my_kg_per_m2: Decimal
    peer_kg_per_m2: Decimal | None

    @property
    def shown(self) -> bool:
        return self.peer_kg_per_day is not None

    @property
    def peers_less_percent(self) -> int | None:
        """How much less (positive) or more (negative) the group put out than I did,
        in whole percent of my own figure; None when not shown or I put out nothing."""
        if self.peer_kg_per_day is None or not self.my_kg_per_day:
            return None
        share = (self.my_kg_per_day - self.peer_kg_per_day) / self.my_kg_per_day * 100
        return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def peers_more_percent(self) -> int | None:
        less = self.peers_less_percent
        return None if less is None else -less


@dataclass(frozen=True)
class Comparison:
    restaurant: Restaurant
    hidden_because: str | None  # NO_AREA, SMALL_GROUP or None
    band: tuple[Decimal, Decimal | None] | None
    months: list[MonthComparison]

    @property
    def latest(self) -> MonthComparison | None:
        """The month the sentence speaks of: the last whole month shown, else this one."""
        whole = [month for month in self.months[:-1] if month.shown]
        if whole:
            return whole[-1]
        return self.months[-1] if self.months and self.months[-1].shown else None


def _kg(grams: Decimal, per: Decimal | int) -> Decimal:
    return (Decimal(grams) / 1000 / Decimal(per)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def compare_restaurant(restaurant: Restaurant, *, today: date) -> Comparison:
    """The last MONTHS_SHOWN months (this one so far included) of `restaurant` against
    its group. `today` is the municipality's local date."""
    if restaurant.floor_area_m2 is None or restaurant.floor_area_m2 <= 0:
        return Comparison(restaurant=restaurant, hidden_because=NO_AREA, band=None, months=[])
    band = size_band(restaurant.floor_area_m2)
    this_month = today.replace(day=1)
    first = add_months(this_month, 1 - MONTHS_SHOWN)
    months = []
    for month, peers, peer_grams, peer_grams_per_m2, my_grams in _monthly_rows(
        restaurant, band=band, first=first, last=this_month, today=today
    ):
        days = (today - month).days + 1 if month == this_month else (add_months(month, 1) - month).days
        enough = peers >= MIN_PEERS
        months.append(
            MonthComparison(
                month=month,
                days=days,
                peers=peers,
                my_kg_per_day=_kg(my_grams, days),
                peer_kg_per_day=_kg(peer_grams, days) if enough else None,
                my_kg_per_m2=_kg(my_grams, restaurant.floor_area_m2),
                peer_kg_per_m2=_kg(peer_grams_per_m2, 1) if enough else None,
            )
        )
    hidden = None if any(month.shown for month in months) else SMALL_GROUP
    return Comparison(restaurant=restaurant, hidden_because=hidden, band=band, months=months)


def _monthly_rows(
    restaurant: Restaurant, *, band: tuple[Decimal, Decimal | None], first: date, last: date, today: date
) -> list[tuple[date, int, Decimal, Decimal, Decimal]]:
    """Per month: (month, other restaurants in the group, their mean grams, their mean
    grams per m², my grams). A restaurant belongs to a month's group if it was on
    record by the month's end or put something out in it (a register imported later
    still counts its scanned months), and did not close before the month began."""
    zone = restaurant.municipality.zone
    connection = connections[reporting_db()]
    restaurants = connection.ops.quote_name(Restaurant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH grp AS (
                SELECT r.id, r.floor_area_m2, r.closed_on, r.created_at
                  FROM {restaurants} r
                 WHERE r.district_id = %(district)s AND r.business_type = %(business_type)s
                   AND r.floor_area_m2 >= %(low)s AND (%(high)s::numeric IS NULL OR r.floor_area_m2 < %(high)s)
            ),
            months AS (
                SELECT generate_series(%(first)s::date, %(last)s::date, interval '1 month')::date AS month
            ),
            sums AS (
                SELECT e.restaurant_id, date_trunc('month', e.collected_at AT TIME ZONE %(zone)s)::date AS month,
                       SUM(e.weight_g) AS grams
                  FROM {scans_table()} e JOIN grp ON grp.id = e.restaurant_id
                 WHERE e.status = %(billable)s AND e.weight_g IS NOT NULL
                   AND e.collected_at >= %(start)s AND e.collected_at < %(end)s
                 GROUP BY 1, 2
            )
            SELECT m.month,
                   COUNT(*) FILTER (WHERE grp.id <> %(me)s),
                   COALESCE(AVG(COALESCE(s.grams, 0)) FILTER (WHERE grp.id <> %(me)s), 0),
                   COALESCE(AVG(COALESCE(s.grams, 0) / grp.floor_area_m2) FILTER (WHERE grp.id <> %(me)s), 0),
                   COALESCE(MAX(s.grams) FILTER (WHERE grp.id = %(me)s), 0)
              FROM months m
              JOIN grp ON grp.closed_on IS NULL OR grp.closed_on >= m.month
              LEFT JOIN sums s ON s.restaurant_id = grp.id AND s.month = m.month
             WHERE grp.created_at < ((m.month + interval '1 month')::timestamp AT TIME ZONE %(zone)s)
                OR s.grams IS NOT NULL
             GROUP BY m.month
             ORDER BY m.month
            """,
            {
                "district": restaurant.district_id,
                "business_type": restaurant.business_type,
                "low": band[0],
                "high": band[1],
                "first": first,
                "last": last,
                "zone": restaurant.municipality.time_zone,
                "billable": CollectionStatus.BILLABLE.value,
                "start": local_midnight(first, zone),
                "end": local_midnight(today + timedelta(days=1), zone),
                "me": restaurant.id,
            },
        )
        found = {row[0]: row for row in cursor.fetchall()}
    months, month = [], first
    while month <= last:
        months.append(found.get(month, (month, 0, Decimal(0), Decimal(0), Decimal(0))))
        month = add_months(month, 1)
    return months


def comparisons_for(user: AnyUser, *, today: date | None = None) -> list[Comparison]:
    """One comparison per restaurant the owner sees (the owner's home may include them)."""
    restaurants = list(Restaurant.objects.visible_to(user).select_related("municipality", "district").order_by("name"))
    return [compare_restaurant(r, today=today or timezone.localdate(timezone=r.municipality.zone)) for r in restaurants]
