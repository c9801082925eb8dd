"""Volume read from the rollups answers what the scans themselves answer, for every
grouping and for the year-earlier figures beside it, on the same scans: late ones,
voided, released, and a restaurant moved to another district and business type."""

import random
from datetime import date, timedelta

import pytest
from django.db import connection

from backend.analytics import selectors
from backend.analytics.ranges import DateRange
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.restaurants.models import BusinessType
from tests.analytics.conftest import seoul

# Longer than a year (the two ranges overlap), across year ends, starting mid-week and mid-month.
RANGE = DateRange(date(2025, 11, 13), date(2027, 2, 10))

RAW_KEYS = {
    selectors.MONTH: "to_char(e.collected_at AT TIME ZONE %(zone)s, 'YYYY-MM')",
    selectors.WEEK: "to_char(date_trunc('week', e.collected_at AT TIME ZONE %(zone)s), 'IYYY-\"W\"IW')",
    selectors.DAY: "to_char(e.collected_at AT TIME ZONE %(zone)s, 'YYYY-MM-DD')",
    selectors.YEAR: "to_char(e.collected_at AT TIME ZONE %(zone)s, 'YYYY')",
    selectors.DISTRICT: "r.district_id::text",
    selectors.BUSINESS_TYPE: "r.business_type",
    selectors.HAULER: "u.hauler_id::text",
    selectors.DONG: "r.district_id::text || ' ' || r.dong",
    selectors.CREW: "e.collector_id::text",
    selectors.RESTAURANT: "r.id::text",
}


def raw_answer(city, group: str, days: DateRange) -> dict:
    """{key: [billable g, held g, collections, visits not collected]} straight from the scans."""
    start, end = days.bounds(city.zone)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {RAW_KEYS[group]},
                   coalesce(sum(e.weight_g) FILTER (WHERE e.status = 'billable'), 0),
                   coalesce(sum(e.weight_g) FILTER (WHERE e.status = 'held'), 0),
                   count(*) FILTER (WHERE e.status IN ('billable', 'held')),
                   count(*) FILTER (WHERE e.status = 'not_collected')
              FROM collection_events_collectionevent e
              JOIN restaurants_restaurant r ON r.id = e.restaurant_id
              JOIN accounts_user u ON u.id = e.collector_id
             WHERE r.municipality_id = %(city)s AND e.collected_at >= %(start)s AND e.collected_at < %(end)s
             GROUP BY 1
            """,
            {"zone": city.time_zone, "city": city.id, "start": start, "end": end},
        )
        # Void scans count nowhere: a day of only void scans has no figures.
        return {key: list(figures) for key, *figures in cursor.fetchall() if any(figures)}


def raw_served(city, group: str, days: DateRange) -> tuple[dict, int]:
    """({key: distinct restaurants with a billable or held scan}, in the whole range) from the scans."""
    start, end = days.bounds(city.zone)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT {RAW_KEYS[group]}, count(DISTINCT e.restaurant_id)
              FROM collection_events_collectionevent e
              JOIN restaurants_restaurant r ON r.id = e.restaurant_id
              JOIN accounts_user u ON u.id = e.collector_id
             WHERE r.municipality_id = %(city)s AND e.collected_at >= %(start)s AND e.collected_at < %(end)s
               AND e.status IN ('billable', 'held')
             GROUP BY ROLLUP (1)
            """,
            {"zone": city.time_zone, "city": city.id, "start": start, "end": end},
        )
        rows = cursor.fetchall()
    return {key: n for key, n in rows if key is not None}, next((n for key, n in rows if key is None), 0)


def figures(row) -> list:
    return [row.billable_g, row.held_g, row.collections, row.visits_not_collected]


@pytest.fixture
def busy_city(city, district, unserved_district, f, official, collector):
    rng = random.Random(20261130)
    other_hauler = f.HaulerFactory(municipality=city, name="다른 수거업체")
    crews = [collector, f.UserFactory(role="collector", hauler=other_hauler)]
    tags = [
        f.TagFactory(bin__restaurant__district=d, bin__restaurant__business_type=t)
        for d, t in [
            (district, "korean"),
            (district, "cafe"),
            (unserved_district, "korean"),
            (unserved_district, "pub"),
        ]
    ]
    first = seoul(2024, 10, 1)
    for _ in range(160):
        when = first + timedelta(minutes=rng.randrange(870 * 24 * 60))
        status = rng.choice(["billable", "billable", "held", "held", "not_collected"])
        grams = None if status == "not_collected" else rng.randrange(1, 60_000)
        f.CollectionEventFactory(
            tag=rng.choice(tags),
            collector=rng.choice(crews),
            collected_at=when,
            weight_g=grams,
            status=status,
            exception_code="not_put_out" if grams is None else "",
        )
    events = list(CollectionEvent.objects.order_by("id"))
    for event in rng.sample(events, 40):
        if event.status == CollectionStatus.HELD:
            event.change_status(to=rng.choice(["billable", "void"]), by=official, reason="확인함")
        elif event.status == CollectionStatus.BILLABLE:
            event.change_status(to="void", by=official, reason="잘못 스캔")
    for tag, dong in zip(tags, ["서교동", "합정동", "서교동", ""], strict=True):
        tag.bin.restaurant.dong = dong
        tag.bin.restaurant.save(update_fields=["dong"])
    moved = tags[1].bin.restaurant
    moved.district, moved.business_type, moved.dong = unserved_district, BusinessType.SNACK, "망원동"
    moved.save(update_fields=["district", "business_type", "dong"])
    return city


@pytest.mark.parametrize("group", sorted(selectors.GROUPS))
def test_every_grouping_from_the_rollups_equals_the_scans_answer(busy_city, group):
    days = RANGE if group in selectors.ROLLUP_GROUPS else DateRange(date(2025, 11, 13), date(2026, 9, 30))
    report = selectors.volume(municipality=busy_city, days=days, group=group)
    rows = {row.key: row for row in report.rows}

    now = raw_answer(busy_city, group, days)
    then = raw_answer(busy_city, group, days.year_earlier(weeks=group == selectors.WEEK))
    assert now and then, "the scans must fall in both ranges"
    assert {key: figures(row) for key, row in rows.items() if any(figures(row))} == now
    earlier = {row.previous.key: figures(row.previous) for row in report.rows if any(figures(row.previous))}
    assert earlier == then
    assert figures(report.totals) == [sum(column) for column in zip(*now.values(), strict=True)]
    assert figures(report.totals.previous) == [sum(column) for column in zip(*then.values(), strict=True)]


def test_business_types_and_haulers_are_groups_of_their_own(busy_city):
    types = selectors.volume(municipality=busy_city, days=RANGE, group=selectors.BUSINESS_TYPE).rows
    assert [row.key for row in types] == [code for code, _ in BusinessType.choices]  # every type, zeros too
    assert {row.key for row in types if row.weight_g} <= {"korean", "pub", "snack"}  # the café became a snack bar
    haulers = selectors.volume(municipality=busy_city, days=RANGE, group=selectors.HAULER).rows
    assert {row.label for row in haulers} >= {"다른 수거업체"}


def test_restaurants_come_in_pages(busy_city, f, district, monkeypatch):
    monkeypatch.setattr(selectors, "RESTAURANT_PAGE_ROWS", 3)
    days = DateRange(date(2025, 11, 13), date(2026, 9, 30))
    first = selectors.volume(municipality=busy_city, days=days, group=selectors.RESTAURANT)
    second = selectors.volume(municipality=busy_city, days=days, group=selectors.RESTAURANT, page=2)
    assert (first.pages, len(first.rows), len(second.rows)) == (2, 3, 1)
    assert (
        figures(first.totals)
        == figures(second.totals)
        == [sum(column) for column in zip(*[figures(r) for r in first.rows + second.rows], strict=True)]
    )


SERVED_GROUPS = [
    selectors.DISTRICT,
    selectors.DONG,
    selectors.BUSINESS_TYPE,
    selectors.DAY,
    selectors.WEEK,
    selectors.MONTH,
    selectors.YEAR,
]


# From and to mid-month, within two years and across three: the months, weeks and years
# at either end are only partly in the range.
SERVED_RANGES = {"two years": DateRange(date(2025, 11, 13), date(2026, 9, 30)), "three years": RANGE}


@pytest.mark.parametrize("span", SERVED_RANGES)
@pytest.mark.parametrize("group", SERVED_GROUPS)
def test_restaurants_served_count_each_restaurant_once_per_row_and_once_in_all(busy_city, group, span):
    days = SERVED_RANGES[span]
    report = selectors.volume(municipality=busy_city, days=days, group=group)

    served, everyone = raw_served(busy_city, group, days)
    assert {row.key: row.restaurants_served for row in report.rows if row.restaurants_served} == served
    assert report.totals.restaurants_served == everyone
    then, then_everyone = raw_served(busy_city, group, days.year_earlier(weeks=group == selectors.WEEK))
    assert {
        row.previous.key: row.previous.restaurants_served for row in report.rows if row.previous.restaurants_served
    } == then
    assert report.totals.previous.restaurants_served == then_everyone


@pytest.mark.parametrize("group", SERVED_GROUPS)
def test_a_restaurant_served_only_before_the_new_year_counts_in_the_last_365_days(city, district, f, group):
    """The last 365 days cross a new year: a restaurant collected only in December is
    served, and counted once with the one collected in January."""
    december, january = (f.TagFactory(bin__restaurant__district=district) for _ in range(2))
    for tag, when in [
        (december, seoul(2025, 12, 20, 9)),
        (january, seoul(2026, 1, 5, 9)),
        (december, seoul(2024, 12, 3)),
    ]:
        f.CollectionEventFactory(tag=tag, collected_at=when, weight_g=1_000, status="billable")
    days = DateRange(date(2025, 12, 1), date(2026, 11, 30))
    report = selectors.volume(municipality=city, days=days, group=group)

    served, everyone = raw_served(city, group, days)
    assert (report.totals.restaurants_served, report.totals.previous.restaurants_served) == (everyone, 1) == (2, 1)
    assert {row.key: row.restaurants_served for row in report.rows if row.restaurants_served} == served
