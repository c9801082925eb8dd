"""The services the console's pages call: closing, bins in bulk and from a file, tags in bulk,
replacing and revoking with a reason."""

import datetime

import pytest

from backend.core.errors import DomainError
from backend.restaurants import services
from backend.restaurants.models import Bin, BinStatus, RestaurantStatus
from backend.tags import services as tag_services
from backend.tags.models import Tag, TagStatus


def test_closing_a_restaurant_keeps_its_day_and_refuses_a_second_close(restaurant, official):
    services.close_restaurant(restaurant=restaurant, on=datetime.date(2026, 11, 1), by=official, reason="폐업 신고")
    restaurant.refresh_from_db()
    assert (restaurant.status, restaurant.closed_on) == (RestaurantStatus.CLOSED, datetime.date(2026, 11, 1))
    with pytest.raises(DomainError) as error:
        services.close_restaurant(restaurant=restaurant, on=datetime.date(2026, 12, 1), by=official, reason="again")
    assert error.value.code == "restaurant_closed"
    restaurant.refresh_from_db()
    assert restaurant.closed_on == datetime.date(2026, 11, 1)


def test_closing_needs_a_reason(restaurant, official):
    with pytest.raises(DomainError) as error:
        services.close_restaurant(restaurant=restaurant, on=datetime.date(2026, 11, 1), by=official, reason="  ")
    assert error.value.code == "reason_required"


def test_every_open_restaurant_without_a_bin_gets_one_and_only_once(f, city, district, bin):
    bare = f.RestaurantFactory(district=district)
    retired_only = f.RestaurantFactory(district=district)
    f.BinFactory(restaurant=retired_only, status=BinStatus.RETIRED)
    closed = f.RestaurantFactory(district=district, status="closed", closed_on=datetime.date(2026, 1, 1))
    elsewhere = f.RestaurantFactory()

    assert services.add_bins_where_missing(municipality_id=city.pk, capacity_liters=120, label="용기 1") == 2
    assert services.add_bins_where_missing(municipality_id=city.pk, capacity_liters=120, label="용기 1") == 0
    assert Bin.objects.filter(restaurant=bare).get().capacity_liters == 120
    assert Bin.objects.filter(restaurant=retired_only, status=BinStatus.ACTIVE).count() == 1
    assert not Bin.objects.filter(restaurant__in=[closed, elsewhere]).exists()
    assert Bin.objects.filter(restaurant=bin.restaurant).count() == 1


def test_bins_from_a_cp949_file_by_register_id_or_restaurant_id(f, city, district):
    first = f.RestaurantFactory(district=district, register_id="3130000-101-2020-00001")
    second = f.RestaurantFactory(district=district)
    data = f"관리번호,라벨,용량\n3130000-101-2020-00001,주방 1,60\n{second.pk},홀,120\n".encode("cp949")
    assert services.add_bins_from_file(municipality_id=city.pk, data=data) == 2
    assert list(Bin.objects.filter(restaurant=first).values_list("label", "capacity_liters")) == [("주방 1", 60)]
    assert list(Bin.objects.filter(restaurant=second).values_list("label", "capacity_liters")) == [("홀", 120)]


def test_a_file_with_one_bad_line_makes_no_bin_and_names_every_bad_line(f, city, district, other_city):
    f.RestaurantFactory(district=district, register_id="A-1")
    f.RestaurantFactory(district=f.DistrictFactory(municipality=other_city), register_id="B-2")
    data = "\ufeff용량,관리번호,라벨\n60,A-1,주방\n0,A-1,홀\n60,B-2,주방\n60,,주방\n".encode()
    with pytest.raises(DomainError) as error:
        services.add_bins_from_file(municipality_id=city.pk, data=data)
    assert error.value.code == "bin_rows_refused"
    assert [line.split(":")[0] for line in error.value.fields["file"]] == ["3", "4", "5"]
    assert not Bin.objects.exists()


@pytest.mark.parametrize(
    "data",
    [b"", "라벨,용량\n주방,60\n".encode(), b"\xff\xfe\x00\x01\x80\x81\xfe\xff"],
    ids=["empty", "no-ref", "binary"],
)
def test_an_unreadable_bin_file_is_refused_with_a_reason(city, data):
    with pytest.raises(DomainError) as error:
        services.add_bins_from_file(municipality_id=city.pk, data=data)
    assert error.value.code == "unreadable_file"


def test_tags_in_bulk_for_active_bins_of_open_restaurants_without_one(f, city, district, tag, official):
    untagged = f.BinFactory(restaurant=f.RestaurantFactory(district=district))
    retired = f.BinFactory(restaurant=untagged.restaurant, status=BinStatus.RETIRED)
    closed = f.BinFactory(
        restaurant=f.RestaurantFactory(district=district, status="closed", closed_on=datetime.date(2026, 1, 1))
    )
    assert tag_services.issue_missing_tags(municipality_id=city.pk, issued_by=official) == 1
    assert tag_services.issue_missing_tags(municipality_id=city.pk, issued_by=official) == 0
    assert Tag.objects.filter(bin=untagged).active().count() == 1
    assert not Tag.objects.filter(bin__in=[retired, closed]).exists()
    assert Tag.objects.filter(bin=tag.bin).get() == tag


def test_replacing_a_lost_tag_revokes_it_with_the_reason_and_issues_another(tag, official):
    new = tag_services.replace_tag(tag=tag, by=official, reason="lost")
    tag.refresh_from_db()
    assert (tag.status, tag.revoke_reason) == (TagStatus.REVOKED, "lost")
    assert new.is_active and new.bin_id == tag.bin_id and new.code != tag.code
    with pytest.raises(DomainError):
        tag_services.replace_tag(tag=tag, by=official, reason="lost")


def test_revoking_needs_a_reason_and_happens_once(tag, official):
    with pytest.raises(DomainError) as error:
        tag_services.revoke_tag(tag=tag, by=official, reason="")
    assert error.value.code == "reason_required"
    tag_services.revoke_tag(tag=tag, by=official, reason="가게 요청")
    tag.refresh_from_db()
    assert (tag.status, tag.revoke_reason, tag.revoked_by) == (TagStatus.REVOKED, "가게 요청", official)
    with pytest.raises(DomainError) as error:
        tag_services.revoke_tag(tag=tag, by=official, reason="again")
    assert error.value.code == "tag_revoked"


def test_retiring_a_bin_gives_its_tag_the_reason(tag, official):
    tag_services.retire_bin(bin=tag.bin, by=official, reason="파손")
    tag.refresh_from_db()
    assert (tag.status, tag.revoke_reason) == (TagStatus.REVOKED, "파손")
