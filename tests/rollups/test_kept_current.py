"""The rollups (volume cells by grouping; the restaurants served each day and each
group's restaurants, as bits) stay equal to a recomputation from the scans, whatever happens to the scans:
batches through the real ingest path, late scans across local midnight and month ends,
held scans released, scans voided, weights corrected, restaurants moved to another
district, 동 or business type, crews joining another hauler."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.collection_events.services import record_collections
from backend.core.errors import DomainError
from backend.restaurants.models import BusinessType
from backend.rollups.cells import differences, rebuild
from backend.rollups.models import CHUNK_BITS, GroupRestaurants, ServedDay, VolumeCell

SEOUL = ZoneInfo("Asia/Seoul")
# Just after local midnight on the 1st: a scan a few minutes or days late falls in the
# previous local day and month.
NOW = datetime(2026, 11, 1, 0, 20, tzinfo=SEOUL)


class Rollback(Exception):
    pass


@pytest.fixture
def town(f, official):
    city = official.municipality
    districts = [f.DistrictFactory(municipality=city) for _ in range(2)]
    haulers = [f.HaulerFactory(municipality=city) for _ in range(2)]
    for hauler in haulers:
        hauler.districts.add(*districts)
    collectors = [f.UserFactory(role="collector", hauler=hauler) for hauler in haulers]
    types = [BusinessType.KOREAN, BusinessType.CAFE, BusinessType.KOREAN]
    restaurants = [f.RestaurantFactory(district=districts[n % 2], business_type=types[n]) for n in range(len(types))]
    tags = [f.TagFactory(bin=f.BinFactory(restaurant=r), issued_by=official) for r in restaurants]
    return {
        "districts": districts,
        "haulers": haulers,
        "collectors": collectors,
        "restaurants": restaurants,
        "tags": tags,
    }


scan = st.tuples(
    st.integers(0, 2),  # which tag
    st.integers(0, 13 * 24 * 60),  # minutes late (within SCAN_MAX_AGE_DAYS)
    st.one_of(st.none(), st.integers(1, 80_000)),  # grams, or a visit without a weighing
)
step = st.one_of(
    st.tuples(st.just("batch"), st.integers(0, 1), st.lists(scan, min_size=1, max_size=6)),
    st.tuples(st.just("release"), st.integers(0, 50)),
    st.tuples(st.just("void"), st.integers(0, 50)),
    st.tuples(st.just("correct"), st.integers(0, 50), st.integers(1, 80_000)),
    st.tuples(
        st.just("move"),
        st.integers(0, 2),
        st.integers(0, 1),
        st.sampled_from([BusinessType.PUB, BusinessType.KOREAN]),
        st.sampled_from(["서교동", "합정동", ""]),
    ),
    st.tuples(st.just("crew moves"), st.integers(0, 1), st.integers(0, 1)),
)


def _apply(town, official, action) -> None:
    kind, *args = action
    events = list(CollectionEvent.objects.order_by("collected_at", "id"))
    if kind == "batch":
        collector, scans = args
        body = [
            {
                "id": str(uuid.uuid4()),
                "tag": town["tags"][which].url,
                "collected_at": (NOW - timedelta(minutes=late)).isoformat(),
                "source": "nfc",
                **({"weight_kg": f"{grams / 1000:.3f}"} if grams else {"exception_code": "not_put_out"}),
            }
            for which, late, grams in scans
        ]
        record_collections(collector=town["collectors"][collector], events=body)
    elif kind == "crew moves":  # a crew member joins another hauler (both serve every district here)
        crew, hauler = town["collectors"][args[0]], town["haulers"][args[1]]
        crew.hauler = hauler
        crew.save(update_fields=["hauler"])
    elif kind == "move":
        which, district, business_type, dong = args
        restaurant = town["restaurants"][which]
        restaurant.district, restaurant.business_type = town["districts"][district], business_type
        restaurant.dong = dong
        restaurant.save(update_fields=["district", "business_type", "dong"])
    elif events:
        event = events[args[0] % len(events)]
        try:
            if kind == "release":
                event.change_status(to=CollectionStatus.BILLABLE, by=official, reason="확인함")
            elif kind == "void":
                event.change_status(to=CollectionStatus.VOID, by=official, reason="잘못 스캔")
            elif event.weight_g is not None:
                event.correct_weight(weight_g=args[1], by=official, reason="이의신청 인정")
        except DomainError:
            pass  # not allowed from this status, or the same weight: nothing changes


first_batch = st.tuples(st.just("batch"), st.integers(0, 1), st.lists(scan, min_size=2, max_size=6))


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same sequences on every run: bounded by count and seed
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(first=first_batch, steps=st.lists(step, min_size=1, max_size=8))
def test_rollups_equal_a_recomputation_after_any_sequence(town, official, first, steps):
    try:
        with transaction.atomic(), time_machine.travel(NOW + timedelta(minutes=1), tick=False):
            for action in [first, *steps]:
                _apply(town, official, action)
            assert differences() == []
            raise Rollback
    except Rollback:
        pass


def _whole_city_days():
    return VolumeCell.objects.filter(dimension="all", grain="day", weight_g__gt=0)


def test_a_held_scan_released_moves_its_weight_to_billable(town, official):
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        _apply(town, official, ("batch", 0, [(0, 5, 3_000), (0, 1, 4_000)]))  # the second is within the hold window
    held = CollectionEvent.objects.get(status=CollectionStatus.HELD)
    cells = dict(_whole_city_days().values_list("status", "weight_g"))
    assert cells == {"billable": 3_000, "held": 4_000}

    held.change_status(to=CollectionStatus.BILLABLE, by=official, reason="확인함")

    cells = dict(_whole_city_days().values_list("status", "weight_g"))
    assert cells == {"billable": 7_000}


def test_check_finds_a_tampered_cell_and_rebuild_repairs_it(town, official, capsys):
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        _apply(town, official, ("batch", 1, [(1, 30, 2_500), (2, 60 * 24, None)]))
    VolumeCell.objects.filter(dimension="district", grain="day", status="billable").update(weight_g=1)
    VolumeCell.objects.filter(dimension="crew", grain="month", status="billable").update(scans=5)
    ServedDay.objects.update(restaurants="0" * CHUNK_BITS)

    with pytest.raises(Exception, match="3 cells differ"):
        call_command("rollups", "check")
    out = capsys.readouterr().out
    assert "kept 1 weight_g / 1 scans, scans say 2500 weight_g / 1 scans" in out
    assert "kept 2500 weight_g / 5 scans, scans say 2500 weight_g / 1 scans" in out
    assert f"scans say {_bits(town['restaurants'][1].number)} restaurants" in out

    # The volume cells: every grouping (6) × day and month × billable and not collected;
    # one day with a restaurant served; the 3 restaurants' 2 districts, a 동 in each (the
    # same 동 name) and 2 business types (the first and the third are Korean restaurants).
    assert rebuild() == {"volume cells": 24, "restaurants served by day": 1, "restaurants by group": 6}
    call_command("rollups", "check")
    assert "rollups match the scans" in capsys.readouterr().out


def _bits(number: int) -> str:
    """The chunk of restaurant `number` as the rollups hold it with that restaurant alone."""
    return "".join("1" if n == number % CHUNK_BITS else "0" for n in range(CHUNK_BITS))


def _numbers(bits: str, chunk: int) -> set[int]:
    return {chunk * CHUNK_BITS + n for n, bit in enumerate(bits) if bit == "1"}


def _served_days(**municipality) -> dict:
    """{local day: the numbers of the restaurants served}, days with none left out."""
    days: dict = {}
    for day, chunk, bits in ServedDay.objects.filter(**municipality).values_list("day", "chunk", "restaurants"):
        days.setdefault(day, set()).update(_numbers(bits, chunk))
    return {day: numbers for day, numbers in days.items() if numbers}


def _group(dimension: str, key: str) -> set[int]:
    rows = GroupRestaurants.objects.filter(dimension=dimension, key=key).values_list("chunk", "restaurants")
    return set().union(*(_numbers(bits, chunk) for chunk, bits in rows))


def test_a_voided_scan_leaves_the_days_served_and_a_moved_restaurant_changes_group(town, official):
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        _apply(town, official, ("batch", 0, [(0, 60 * 24 * 3, 3_000), (0, 60 * 24 * 5, 2_000)]))
    restaurant = town["restaurants"][0]
    assert _served_days() == {date(2026, 10, 29): {restaurant.number}, date(2026, 10, 27): {restaurant.number}}

    CollectionEvent.objects.get(weight_g=3_000).change_status(to=CollectionStatus.VOID, by=official, reason="잘못 스캔")
    old_dong = f"{restaurant.district_id} {restaurant.dong}"
    assert restaurant.number in _group("dong", old_dong)
    restaurant.dong = "망원동"
    restaurant.save(update_fields=["dong"])

    assert _served_days() == {date(2026, 10, 27): {restaurant.number}}
    assert restaurant.number not in _group("dong", old_dong)
    assert _group("dong", f"{restaurant.district_id} 망원동") == {restaurant.number}
    by_dong = VolumeCell.objects.filter(dimension="dong", grain="month", status="billable", weight_g__gt=0)
    assert list(by_dong.values_list("key", "weight_g")) == [(f"{restaurant.district_id} 망원동", 2_000)]
    assert differences() == []


def test_a_restaurant_moved_to_another_municipality_takes_its_days_along(town, official, f):
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        _apply(town, official, ("batch", 0, [(0, 60 * 24 * 3, 3_000), (1, 60 * 24 * 3, 2_000)]))
    moved, stays = town["restaurants"][:2]
    elsewhere = f.DistrictFactory()

    moved.municipality, moved.district = elsewhere.municipality, elsewhere
    moved.save(update_fields=["municipality", "district"])

    october_29 = date(2026, 10, 29)
    assert _served_days(municipality=official.municipality) == {october_29: {stays.number}}
    assert _served_days(municipality=elsewhere.municipality) == {october_29: {moved.number}}
    assert _group("district", str(elsewhere.id)) == {moved.number}
    assert differences() == []
