"""The trends, service and money reports: the figures an official reads, from a few
scans, requests and invoices whose sums are worked out by hand here."""

from datetime import date
from decimal import Decimal

import pytest

from backend.analytics import money, service, trends
from backend.analytics.ranges import DateRange
from backend.billing.models import Invoice
from backend.pickup_requests.models import PickupRequest
from backend.restaurants.models import Bin, Restaurant
from tests.analytics.conftest import seoul

pytestmark = pytest.mark.django_db

OCTOBER = DateRange(date(2026, 10, 1), date(2026, 10, 31))
NOW = seoul(2026, 11, 20, 9)


@pytest.fixture
def two_restaurants(f, city, tag, unserved_district, scan):
    """할매순대국 (서교동, other) and 국수집 (상암동, Korean), registered long ago, with
    October's scans and the same October's a year earlier."""
    noodles = f.TagFactory(bin__restaurant__district=unserved_district, bin__restaurant__name="국수집")
    Restaurant.objects.filter(municipality=city).update(created_at=seoul(2024, 1, 1))
    Restaurant.objects.filter(id=noodles.bin.restaurant_id).update(business_type="korean")
    scan(tag, seoul(2026, 10, 20, 7), 30_000)
    scan(tag, seoul(2026, 10, 20, 8), 10_000, status="held")
    scan(tag, seoul(2026, 10, 21, 8), 99_000, status="void")  # a wrong scan weighs nothing
    scan(tag, seoul(2026, 10, 22, 8), None)  # not put out
    scan(tag, seoul(2025, 10, 5, 8), 10_000)
    scan(noodles, seoul(2026, 10, 25, 7), 62_000)
    scan(noodles, seoul(2025, 10, 6, 7), 100_000)
    return tag.bin.restaurant, noodles.bin.restaurant


def test_kilograms_per_restaurant_per_day_by_district_and_business_type(city, two_restaurants):
    by_district = trends.intensity(municipality=city, days=OCTOBER, group="district")
    figures = {row.label: (row.cells[0].restaurants, row.cells[0].kg_per_restaurant_day) for row in by_district.rows}
    # 40 kg (billable and held) over 31 days at one restaurant; 62 kg at the other.
    assert figures == {"서교동": (1, Decimal("1.29")), "상암동": (1, Decimal("2.00"))}
    assert by_district.total.cells[0].kg_per_restaurant_day == Decimal("1.65")  # 102 kg / 2 / 31

    by_type = trends.intensity(municipality=city, days=OCTOBER, group="business_type")
    cells = {row.key: row.cells[0] for row in by_type.rows}
    assert cells["korean"].kg_per_restaurant_day == Decimal("2.00")
    assert cells["chinese"].restaurants == 0 and cells["chinese"].kg_per_restaurant_day is None


def test_a_restaurant_registered_after_the_month_is_not_counted_in_it(f, city, district, two_restaurants):
    f.RestaurantFactory(district=district)  # registered now, in November 2026 or later
    row = next(
        r for r in trends.intensity(municipality=city, days=OCTOBER, group="district").rows if r.label == "서교동"
    )
    assert row.cells[0].restaurants == 1


def test_a_restaurant_collected_from_before_its_record_was_made_counts_in_that_month(city, two_restaurants):
    first, second = two_restaurants
    Restaurant.objects.filter(id__in=[first.id, second.id]).update(created_at=seoul(2026, 11, 10))
    report = trends.intensity(municipality=city, days=OCTOBER, group="district")
    cells = {row.label: row.cells[0] for row in report.rows}
    assert (cells["서교동"].restaurants, cells["서교동"].kg_per_restaurant_day) == (1, Decimal("1.29"))


def test_top_generators_and_the_biggest_changes_against_a_year_earlier(city, two_restaurants):
    top = trends.top_generators(municipality=city, days=OCTOBER, limit=5)
    assert [(row.name, row.weight_g, row.collections) for row in top] == [
        ("국수집", 62_000, 1),
        ("할매순대국", 40_000, 2),
    ]
    assert [row.name for row in trends.top_generators(municipality=city, days=OCTOBER, limit=1)] == ["국수집"]

    grew, fell = trends.biggest_changes(municipality=city, days=OCTOBER, limit=5)
    assert [(row.name, row.change_g, row.change_percent) for row in grew] == [("할매순대국", 30_000, 300.0)]
    assert [(row.name, row.change_g, row.change_percent) for row in fell] == [("국수집", -38_000, -38.0)]


def test_open_restaurants_with_a_bin_in_use_and_no_recent_collection(f, city, district, scan, two_restaurants):
    recent = f.TagFactory(bin__restaurant__district=district, bin__restaurant__name="최근식당")
    scan(recent, seoul(2026, 11, 15, 7), 5_000)
    never = f.BinFactory(restaurant__district=district, restaurant__name="새식당").restaurant
    f.BinFactory(restaurant__district=district, restaurant__name="폐업식당").restaurant.close(on=date(2026, 10, 1))
    retired = f.BinFactory(restaurant__district=district, restaurant__name="용기회수식당")
    Bin.objects.filter(id=retired.id).update(status="retired")

    idle = trends.idle_restaurants(municipality=city, idle_days=14, now=NOW)
    assert idle.count == 3
    assert [(row.name, row.days_since) for row in idle.rows] == [("새식당", None), ("할매순대국", 31), ("국수집", 26)]
    assert idle.rows[0].restaurant_id == never.id
    # With a longer wait, 국수집 (last collected 26 days ago) is not yet idle.
    assert [row.name for row in trends.idle_restaurants(municipality=city, idle_days=30, now=NOW).rows] == [
        "새식당",
        "할매순대국",
    ]


def test_service_counts_requests_by_month_and_exceptions_by_crew_and_hauler(
    f, city, restaurant, owner, collector, hauler, two_restaurants
):
    def request(kind, day, status):
        PickupRequest.objects.create(
            restaurant=restaurant, kind=kind, requested_for=day, status=status, requested_by=owner
        )

    request("extra_pickup", date(2026, 10, 3), "done")
    request("extra_pickup", date(2026, 10, 4), "done")
    request("extra_pickup", date(2026, 10, 5), "rejected")
    request("extra_pickup", date(2026, 10, 6), "cancelled")
    request("extra_pickup", date(2026, 10, 31), "assigned")
    request("missed_pickup", date(2026, 10, 22), "done")
    request("extra_pickup", date(2026, 11, 1), "received")  # November's

    report = service.service(municipality=city, days=OCTOBER)
    (october,) = report.months
    assert (october.requested, october.done, october.turned_down, october.cancelled, october.open) == (5, 2, 1, 1, 1)
    assert october.done_percent == 50.0  # 2 of the 4 not cancelled
    assert october.missed == 1
    # Visits: five scans of October (the void one too), one of them found no bin put out.
    assert (october.visits, october.collections, october.not_put_out, october.exceptions) == (5, 3, 1, 1)

    (crew,) = report.by_crew
    assert (crew.key, crew.hauler, crew.visits, crew.by_code["not_put_out"], crew.exceptions) == (
        "collector",
        hauler.name,
        5,
        1,
        1,
    )
    assert crew.exception_percent == 20.0
    assert [(row.label, row.exceptions) for row in report.by_hauler] == [(hauler.name, 1)]
    assert dict((code, count) for code, _label, count in report.by_type)["not_put_out"] == 1


def invoice(restaurant, period: date, *, total: int, paid: int = 0, prepaid: int = 0, due: date, status="issued"):
    return Invoice.objects.create(
        number=f"INV-{restaurant.name}-{period:%Y%m}-{total}",
        municipality=restaurant.municipality,
        restaurant=restaurant,
        period=period,
        status=status,
        municipality_name=restaurant.municipality.name,
        restaurant_name=restaurant.name,
        restaurant_address=restaurant.address,
        business_number=restaurant.business_number,
        time_zone="Asia/Seoul",
        subtotal_krw=total,
        total_krw=total,
        paid_krw=paid,
        prepaid_applied_krw=prepaid,
        due_date=due,
        snapshot="1:1:",
        window_number=Invoice.objects.filter(restaurant=restaurant).count() + 1,
    )


def test_money_billed_paid_outstanding_and_arrears_by_age(f, city, restaurant, unserved_district, other_city):
    other = f.RestaurantFactory(district=unserved_district, name="국수집")
    sept, octo = date(2026, 9, 1), date(2026, 10, 1)
    invoice(restaurant, sept, total=50_000, paid=30_000, due=date(2026, 10, 31), status="overdue")
    invoice(restaurant, octo, total=20_000, paid=25_000, due=date(2026, 11, 30), status="paid")  # paid over
    invoice(other, sept, total=10_000, prepaid=4_000, due=date(2026, 7, 1), status="overdue")
    invoice(other, octo, total=90_000, due=date(2026, 11, 30), status="draft")  # not issued: not counted
    theirs = f.RestaurantFactory(district=f.DistrictFactory(municipality=other_city))
    invoice(theirs, sept, total=70_000, due=date(2026, 10, 1), status="overdue")

    report = money.money(
        municipality=city, days=DateRange(date(2026, 9, 1), date(2026, 10, 31)), today=date(2026, 11, 20)
    )
    by_month = {row.key: (row.invoices, row.billed_krw, row.paid_krw, row.outstanding_krw) for row in report.by_month}
    # Paid counts up to the invoice's total: the 5,000 paid over stays credit, not revenue.
    assert by_month == {"2026-09": (2, 60_000, 34_000, 26_000), "2026-10": (1, 20_000, 20_000, 0)}
    by_district = {row.label: (row.billed_krw, row.outstanding_krw) for row in report.by_district}
    assert by_district == {"서교동": (70_000, 20_000), "상암동": (10_000, 6_000)}
    assert (report.totals.billed_krw, report.totals.paid_krw, report.totals.outstanding_krw) == (80_000, 54_000, 26_000)

    # Arrears on 20 November: 20 days past due (서교동), 142 days (상암동).
    ages = {row.label: {b.code: (b.invoices, b.owed_krw) for b in row.buckets if b.invoices} for row in report.arrears}
    assert ages == {"서교동": {"under_30": (1, 20_000)}, "상암동": {"90_plus": (1, 6_000)}}
    assert (report.arrears_totals.invoices, report.arrears_totals.owed_krw) == (2, 26_000)


def test_this_month_is_divided_by_its_days_so_far_and_a_month_to_come_has_no_figure(city, tag, scan):
    Restaurant.objects.filter(municipality=city).update(created_at=seoul(2024, 1, 1))
    scan(tag, seoul(2026, 11, 3, 7), 20_000)
    autumn = DateRange(date(2026, 11, 1), date(2026, 12, 31))
    report = trends.intensity(municipality=city, days=autumn, group="district", today=date(2026, 11, 10))
    november, december = report.total.cells
    # 20 kg over the ten days of November so far, not over its thirty.
    assert (november.days, november.kg_per_restaurant_day) == (10, Decimal("2.00"))
    assert (december.days, december.kg_per_restaurant_day) == (0, None)
