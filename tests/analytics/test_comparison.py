"""An owner's kg per day and per m² against restaurants of the same type and size
band in the same district, by month; hidden when the group has fewer than 5 others."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from backend.analytics.comparison import compare_restaurant, size_band
from backend.restaurants.models import Restaurant
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db
PAGE = "/my/comparison/"
TODAY = date(2026, 11, 15)


@pytest.fixture
def mine(restaurant):
    Restaurant.objects.filter(id=restaurant.id).update(business_type="korean", floor_area_m2=Decimal("50"))
    return Restaurant.objects.select_related("municipality", "district").get(id=restaurant.id)


@pytest.fixture
def put_out(f, collector):
    """put_out(restaurant, kg, when=10 October 2026): one billable weighing."""

    def make(restaurant, kg, when=None):
        tag = f.TagFactory(bin=restaurant.bins.first() or f.BinFactory(restaurant=restaurant))
        return f.CollectionEventFactory(
            tag=tag, collector=collector, weight_g=int(kg * 1000), collected_at=when or seoul(2026, 10, 10, 6)
        )

    return make


@pytest.fixture
def peers(f, mine, put_out):
    """Five Korean restaurants of 40 m² in my district; October: 200, 300, 250, 250, 271 kg."""
    made = []
    for kg in (200, 300, 250, 250, 271):
        peer = f.RestaurantFactory(district=mine.district, business_type="korean", floor_area_m2=Decimal("40"))
        put_out(peer, kg)
        made.append(peer)
    return made


@pytest.fixture
def not_in_the_group(f, mine, put_out, other_city):
    """Heavy restaurants that must not count: another type, another size band, no
    floor area, another district, and one closed before October."""
    other_district = f.DistrictFactory(municipality=mine.municipality)
    for fields in (
        {"district": mine.district, "business_type": "chinese", "floor_area_m2": Decimal("40")},
        {"district": mine.district, "business_type": "korean", "floor_area_m2": Decimal("150")},
        {"district": mine.district, "business_type": "korean", "floor_area_m2": None},
        {"district": other_district, "business_type": "korean", "floor_area_m2": Decimal("40")},
    ):
        put_out(f.RestaurantFactory(**fields), 5000)
    closed = f.RestaurantFactory(district=mine.district, business_type="korean", floor_area_m2=Decimal("40"))
    put_out(closed, 5000, when=seoul(2026, 9, 10, 6))
    closed.close(on=date(2026, 9, 30))


def october(comparison):
    return next(month for month in comparison.months if month.month == date(2026, 10, 1))


def test_similar_restaurants_put_out_18_percent_less(mine, peers, not_in_the_group, put_out):
    put_out(mine, 310)  # 10 kg a day over October's 31 days
    comparison = compare_restaurant(mine, today=TODAY)
    month = october(comparison)
    assert comparison.hidden_because is None and month.peers == 5
    assert month.my_kg_per_day == Decimal("10.00")
    assert month.peer_kg_per_day == Decimal("8.20")  # (200+300+250+250+271) / 5 / 31
    assert month.peers_less_percent == 18  # (10 - 8.2) / 10
    assert comparison.latest == month  # the last whole month speaks
    # Per m²: mine 310 / 50; theirs the mean of each kg / 40 m².
    assert (month.my_kg_per_m2, month.peer_kg_per_m2) == (Decimal("6.20"), Decimal("6.36"))


def test_the_page_says_it_in_a_plain_sentence(client, owner, mine, peers, put_out):
    put_out(mine, 310)
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 11, 15, 12), tick=False):
        page = client.get(PAGE).content.decode()
    assert "10월:</strong>" in page and "비슷한 음식점은 18% 적게 배출했습니다" in page
    assert "Similar restaurants" not in page  # one language at a time
    client.cookies["django_language"] = "en"
    with time_machine.travel(seoul(2026, 11, 15, 12), tick=False):
        page = client.get(PAGE).content.decode()
    assert "October 2026:</strong>" in page and "Similar restaurants put out 18% less." in page
    assert "10.00 · 8.20" in page and "6.20 · 6.36" in page


def test_when_similar_restaurants_put_out_more_the_sentence_says_more(client, owner, mine, peers, put_out):
    put_out(mine, 200)
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 11, 15, 12), tick=False):
        page = client.get(PAGE).content.decode()
    assert "비슷한 음식점은 27% 많이 배출했습니다" in page  # 254.2 against 200


def test_with_fewer_than_5_others_nothing_is_compared_and_the_page_says_why(client, owner, mine, peers, put_out):
    peers[0].close(on=date(2026, 5, 1))  # out of every month shown: 4 others remain
    put_out(mine, 310)
    comparison = compare_restaurant(mine, today=TODAY)
    assert comparison.hidden_because == "small_group"
    assert all(not month.shown and month.peer_kg_per_day is None for month in comparison.months)
    client.force_login(owner)
    with time_machine.travel(seoul(2026, 11, 15, 12), tick=False):
        page = client.get(PAGE).content.decode()
    assert "5곳 미만이라 비교하지 않습니다" in page
    assert "적게 배출" not in page and "8.20" not in page


def test_without_a_floor_area_the_page_says_so(client, owner, mine, peers):
    Restaurant.objects.filter(id=mine.id).update(floor_area_m2=None)
    client.force_login(owner)
    page = client.get(PAGE).content.decode()
    assert "면적이 등록되어 있지 않아" in page


def test_this_month_counts_the_days_so_far(mine, peers, put_out):
    put_out(mine, 30, when=seoul(2026, 11, 2, 6))
    month = compare_restaurant(mine, today=TODAY).months[-1]
    assert (month.month, month.days, month.my_kg_per_day) == (date(2026, 11, 1), 15, Decimal("2.00"))


def test_one_query_whatever_the_size_of_the_group(mine, peers, put_out, django_assert_num_queries):
    put_out(mine, 310)
    with django_assert_num_queries(1):
        compare_restaurant(mine, today=TODAY)


def test_only_owners_see_the_page(client, official):
    client.force_login(official)
    assert client.get(PAGE).status_code == 403


@pytest.mark.parametrize(
    ("area", "band"),
    [("10", (0, 33)), ("33", (33, 66)), ("65.99", (33, 66)), ("150", (100, 200)), ("450", (200, None))],
)
def test_size_bands(area, band):
    assert size_band(Decimal(area)) == tuple(Decimal(b) if b is not None else None for b in band)
