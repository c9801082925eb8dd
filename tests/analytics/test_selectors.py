"""Volume and scan-quality figures, checked against the events themselves."""

import random
from datetime import UTC, date, timedelta, timezone

from django.db import connection

from backend.analytics import selectors
from backend.analytics.ranges import DateRange
from tests.analytics.conftest import seoul

AUTUMN = DateRange(date(2026, 10, 1), date(2026, 11, 30))


def rows_by_key(report) -> dict:
    return {row.key: row for row in report.rows}


def test_a_scan_belongs_to_the_seoul_month_and_day_whatever_offset_it_was_sent_with(city, tag, scan):
    # 23:59:59 on 31 October Seoul time, sent as UTC: still 31 October there.
    scan(tag, seoul(2026, 10, 31, 23, 59, 59).astimezone(UTC), 1_000)
    # 00:00:00 on 1 November Seoul time is 15:00 on 31 October in UTC.
    scan(tag, seoul(2026, 11, 1, 0, 0, 0).astimezone(timezone(timedelta(hours=-5))), 2_000)

    months = rows_by_key(selectors.volume(municipality=city, days=AUTUMN, group=selectors.MONTH))
    assert (months["2026-10"].weight_g, months["2026-11"].weight_g) == (1_000, 2_000)
    assert months["2026-10"].label == "2026년 10월"

    days = rows_by_key(selectors.volume(municipality=city, days=AUTUMN, group=selectors.DAY))
    assert (days["2026-10-31"].weight_g, days["2026-11-01"].weight_g) == (1_000, 2_000)

    october = DateRange(date(2026, 10, 1), date(2026, 10, 31))
    assert selectors.volume(municipality=city, days=october, group=selectors.MONTH).totals.weight_g == 1_000
    november_first = DateRange(date(2026, 11, 1), date(2026, 11, 1))
    assert selectors.volume(municipality=city, days=november_first, group=selectors.DAY).totals.weight_g == 2_000


def test_the_municipalitys_own_zone_decides_not_the_servers(f, scan):
    utc_town = f.MunicipalityFactory(time_zone="UTC")
    tag = f.TagFactory(bin__restaurant__district=f.DistrictFactory(municipality=utc_town))
    scan(tag, seoul(2026, 11, 1, 8, 30), 1_000)  # 23:30 on 31 October in UTC

    months = rows_by_key(selectors.volume(municipality=utc_town, days=AUTUMN, group=selectors.MONTH))
    assert (months["2026-10"].weight_g, months["2026-11"].weight_g) == (1_000, 0)
    days = rows_by_key(selectors.volume(municipality=utc_town, days=AUTUMN, group=selectors.DAY))
    assert (days["2026-10-31"].weight_g, days["2026-11-01"].weight_g) == (1_000, 0)
    october = DateRange(date(2026, 10, 1), date(2026, 10, 31))
    assert selectors.volume(municipality=utc_town, days=october, group=selectors.RESTAURANT).totals.weight_g == 1_000


def test_held_and_void_are_not_billable_and_void_counts_nowhere(city, tag, scan):
    scan(tag, seoul(2026, 10, 5, 9), 10_000)
    scan(tag, seoul(2026, 10, 5, 9, 10), 3_000, status="held")
    scan(tag, seoul(2026, 10, 6, 9), 5_000, status="void")
    scan(tag, seoul(2026, 10, 7, 9), None)

    totals = selectors.volume(municipality=city, days=AUTUMN, group=selectors.DISTRICT).totals
    assert (totals.billable_g, totals.held_g, totals.weight_g) == (10_000, 3_000, 13_000)
    assert (totals.collections, totals.visits_not_collected) == (2, 1)


def test_empty_months_days_and_districts_are_listed_with_zeros(city, district, unserved_district, tag, scan):
    scan(tag, seoul(2026, 11, 3, 9), 4_000)

    months = selectors.volume(municipality=city, days=AUTUMN, group=selectors.MONTH).rows
    assert [(row.key, row.weight_g) for row in months] == [("2026-10", 0), ("2026-11", 4_000)]
    assert len(selectors.volume(municipality=city, days=AUTUMN, group=selectors.DAY).rows) == 61
    districts = selectors.volume(municipality=city, days=AUTUMN, group=selectors.DISTRICT).rows
    assert {(row.label, row.weight_g) for row in districts} == {("서교동", 4_000), ("상암동", 0)}


def test_other_municipalities_scans_count_nowhere(city, other_city, tag, f, scan):
    elsewhere = f.TagFactory(bin__restaurant__district=f.DistrictFactory(municipality=other_city))
    scan(tag, seoul(2026, 10, 5, 9), 1_000)
    scan(elsewhere, seoul(2026, 10, 5, 9), 7_000, flags=["far_from_restaurant"])

    for group in selectors.GROUPS:
        assert selectors.volume(municipality=city, days=AUTUMN, group=group).totals.weight_g == 1_000, group
        assert selectors.volume(municipality=other_city, days=AUTUMN, group=group).totals.weight_g == 7_000, group
    assert selectors.scan_quality(municipality=city, days=AUTUMN).scans == 1
    assert selectors.scan_quality(municipality=city, days=AUTUMN).flags[0].count == 0


def sql_recompute(city, days: DateRange) -> dict:
    """The district × month figures straight from SQL, written independently."""
    start, end = days.bounds(city.zone)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.district_id::text,
                   to_char(e.collected_at AT TIME ZONE %s, 'YYYY-MM'),
                   coalesce(sum(e.weight_g) FILTER (WHERE e.status = 'billable'), 0),
                   coalesce(sum(e.weight_g) FILTER (WHERE e.status = 'held'), 0),
                   count(*) FILTER (WHERE e.status IN ('billable', 'held')),
                   count(*) FILTER (WHERE e.status = 'not_collected')
              FROM collection_events_collectionevent e
              JOIN restaurants_restaurant r ON r.id = e.restaurant_id
             WHERE r.municipality_id = %s AND e.collected_at >= %s AND e.collected_at < %s
             GROUP BY 1, 2
            """,
            [city.time_zone, city.id, start, end],
        )
        return {(district, month): figures for district, month, *figures in cursor.fetchall()}


def test_every_grouping_sums_to_what_plain_sql_counts(city, district, unserved_district, f, scan):
    rng = random.Random(20261031)
    tags = [f.TagFactory(bin__restaurant__district=d) for d in (district, district, unserved_district)]
    for _ in range(80):
        when = seoul(2026, 9, 25) + timedelta(minutes=rng.randrange(80 * 24 * 60))
        status = rng.choice(["billable", "billable", "held", "void", "not_collected"])
        grams = None if status == "not_collected" else rng.randrange(1, 60_000)
        scan(rng.choice(tags), when, grams, status=status)

    expected = sql_recompute(city, AUTUMN)
    assert expected, "the random scans must land in the range"

    def summed(key_index: int) -> dict:
        sums = {}
        for key, figures in expected.items():
            total = sums.setdefault(key[key_index], [0, 0, 0, 0])
            for i, value in enumerate(figures):
                total[i] += value
        return sums

    def figures(row) -> list:
        return [row.billable_g, row.held_g, row.collections, row.visits_not_collected]

    by_district = rows_by_key(selectors.volume(municipality=city, days=AUTUMN, group=selectors.DISTRICT))
    assert {key: figures(row) for key, row in by_district.items()} == summed(0)
    by_month = rows_by_key(selectors.volume(municipality=city, days=AUTUMN, group=selectors.MONTH))
    assert {key: figures(row) for key, row in by_month.items()} == summed(1)

    grand = [sum(column) for column in zip(*expected.values(), strict=False)]
    for group in selectors.GROUPS:
        assert figures(selectors.volume(municipality=city, days=AUTUMN, group=group).totals) == grand, group
    by_restaurant = selectors.volume(municipality=city, days=AUTUMN, group=selectors.RESTAURANT).rows
    assert {row.key for row in by_restaurant} <= {str(tag.bin.restaurant_id) for tag in tags}


def test_scan_quality_counts_flags_sources_taps_and_exceptions(city, tag, scan):
    day = seoul(2026, 10, 5, 9)
    scan(tag, day, 1_000, source="nfc", physically_tapped=True)
    scan(tag, day, 1_000, source="nfc", physically_tapped=True, flags=["far_from_restaurant"])
    scan(tag, day, 1_000, source="nfc")  # a plain NFC tag proves nothing about the chip
    scan(tag, day, 1_000, source="qr", status="held", flags=["hold_window", "far_from_restaurant", "sun_missing"])
    scan(tag, day, 1_000, source="manual", flags=["manual_entry", "weight_implausible"])
    scan(tag, day, 1_000, source="nfc", flags=["uid_mismatch"], status="void")
    scan(tag, day, None, source="qr", exception_code="contaminated")
    scan(tag, day, None, source="nfc", exception_code="contaminated")
    scan(tag, day, None, source="qr", exception_code="no_access")

    report = selectors.scan_quality(municipality=city, days=AUTUMN)

    assert report.scans == 9
    assert {t.code: t.count for t in report.flags} == {
        "far_from_restaurant": 2,
        "hold_window": 1,
        "manual_entry": 1,
        "uid_mismatch": 1,
        "weight_implausible": 1,
        "unregistered_scale": 0,
        "scale_inspection_due": 0,
        "sun_missing": 1,
        "corrected": 0,
    }
    assert {t.code: t.count for t in report.sources} == {"nfc": 5, "qr": 3, "manual": 1}
    assert {t.code: t.count for t in report.physically_tapped} == {"tapped": 2, "not_tapped": 7}
    exceptions = {t.code: t.count for t in report.exceptions}
    assert (exceptions["contaminated"], exceptions["no_access"], exceptions["not_put_out"]) == (2, 1, 0)
    assert {t.code: t.count for t in report.statuses} == {"billable": 4, "held": 1, "void": 1, "not_collected": 3}


def test_queries_do_not_grow_with_the_number_of_scans(city, tag, f, scan, django_assert_max_num_queries):
    def run_every_report():
        for group in selectors.GROUPS:
            selectors.volume(municipality=city, days=AUTUMN, group=group)
        selectors.scan_quality(municipality=city, days=AUTUMN)

    scan(tag, seoul(2026, 10, 5, 9), 1_000)
    # From the rollups: district 3 (its list, restaurants served), 동 4 (districts, the
    # restaurants' 동, restaurants served), hauler and crew 2 each (their list), month, year,
    # week, day and business type 2 each (restaurants served); restaurant 5 (count, page,
    # its scans, totals and restaurants served from the rollups); quality 1
    with django_assert_max_num_queries(27):
        run_every_report()
    for n in range(40):
        other = f.TagFactory(bin__restaurant__district=tag.bin.restaurant.district)
        scan(other, seoul(2026, 10, 1) + timedelta(hours=n * 30), 1_000 + n)
    with django_assert_max_num_queries(27):
        run_every_report()
