"""The officials' console through Django's test client: each page and action, who may and
who may not (owners and crews are refused, another municipality's official finds nothing)."""

import datetime
import io

import pytest
from django.urls import reverse

from backend.restaurants.models import Bin, BinStatus, Restaurant, RestaurantStatus
from backend.tags.models import LabelSheet, LabelSheetStatus, Tag, TagStatus

pytestmark = pytest.mark.django_db


def _pages(restaurant, bin, tag):
    return [
        reverse("console:restaurants"),
        reverse("console:restaurant-create"),
        reverse("console:restaurant", args=[restaurant.pk]),
        reverse("console:restaurant-edit", args=[restaurant.pk]),
        reverse("console:restaurant-close", args=[restaurant.pk]),
        reverse("console:bin-add", args=[restaurant.pk]),
        reverse("console:bin-edit", args=[bin.pk]),
        reverse("console:bin-retire", args=[bin.pk]),
        reverse("console:bins-bulk"),
        reverse("console:tags-bulk"),
        reverse("console:tag-replace", args=[tag.code]),
        reverse("console:tag-revoke", args=[tag.code]),
        reverse("console:label-sheets"),
    ]


def test_an_official_sees_every_page(as_official, restaurant, bin, tag):
    for url in _pages(restaurant, bin, tag):
        response = as_official.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("persona", ["owner", "collector", "other_owner"])
def test_owners_and_crews_are_refused_every_page(client, request, persona, restaurant, bin, tag):
    client.force_login(request.getfixturevalue(persona))
    for url in _pages(restaurant, bin, tag):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("console:tag-issue", args=[bin.pk])).status_code == 403


def test_another_municipalitys_official_finds_none_of_ours(client, stranger, restaurant, bin, tag):
    client.force_login(stranger)
    for url in _pages(restaurant, bin, tag)[2:8] + _pages(restaurant, bin, tag)[10:12]:
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("console:tag-issue", args=[bin.pk])).status_code == 404
    response = client.get(reverse("console:restaurants"))
    assert restaurant.name not in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, restaurant):
    response = client.get(reverse("console:restaurant", args=[restaurant.pk]))
    assert response.status_code == 302 and response.url.startswith("/login/")


# The list: search, filters, paging


def test_the_list_searches_names_addresses_register_ids_and_business_numbers(f, as_official, district):
    f.RestaurantFactory(district=district, name="을지면옥", address="서울 중구 충무로 1", register_id="R-1")
    f.RestaurantFactory(
        district=district, name="마포갈비", address="서울 마포구 도화동 2", business_number="1248100998"
    )

    def shown(q):
        return [r.name for r in as_official.get(reverse("console:restaurants"), {"q": q}).context["page"].rows]

    assert shown("면옥") == ["을지면옥"]
    assert shown("도화동") == ["마포갈비"]
    assert shown("R-1") == ["을지면옥"]
    assert shown("124-81-00998") == ["마포갈비"]
    assert shown("없는이름") == []


def test_the_search_ignores_case_and_takes_one_letter_and_wildcards_literally(f, as_official, district):
    f.RestaurantFactory(district=district, name="BBQ 치킨 합정점", address="서울 마포구 1")
    f.RestaurantFactory(district=district, name="100% 국산 콩", address="서울 마포구 2")

    def shown(q):
        return [r.name for r in as_official.get(reverse("console:restaurants"), {"q": q}).context["page"].rows]

    assert shown("bbq") == ["BBQ 치킨 합정점"]
    assert shown("합") == ["BBQ 치킨 합정점"]
    assert shown("100%") == ["100% 국산 콩"]
    assert shown("%") == ["100% 국산 콩"]
    assert shown("_") == []


def test_the_list_filters_by_district_type_status_tag_and_unpaid(f, as_official, district, unserved_district, tag):
    closed = f.RestaurantFactory(
        district=unserved_district, name="닫은집", business_type="chinese", status="closed", closed_on="2026-01-01"
    )

    def rows(**params):
        return {r.name for r in as_official.get(reverse("console:restaurants"), params).context["page"].rows}

    assert rows(district=str(unserved_district.pk)) == {"닫은집"}
    assert rows(business_type="chinese") == {"닫은집"}
    assert rows(status="closed") == {"닫은집"}
    assert rows(status="open") == {tag.bin.restaurant.name}
    assert rows(tag="yes") == {tag.bin.restaurant.name}
    assert rows(tag="no") == {closed.name}
    assert rows(unpaid="yes") == set()
    assert rows(district="not-a-district") == {"닫은집", tag.bin.restaurant.name}


def test_the_list_pages_forward_and_back_without_losing_rows(f, as_official, district):
    for n in range(7):
        f.RestaurantFactory(district=district, name=f"가게 {n:02d}")
    from backend.console import selectors

    official = as_official.get(reverse("console:restaurants")).wsgi_request.user
    first = selectors.restaurant_page(official, {}, page_size=3)
    second = selectors.restaurant_page(official, {"after": first.next_after}, page_size=3)
    third = selectors.restaurant_page(official, {"after": second.next_after}, page_size=3)
    names = [r.name for page in (first, second, third) for r in page.rows]
    assert names == [f"가게 {n:02d}" for n in range(7)]
    assert first.previous_before is None and third.next_after is None
    back = selectors.restaurant_page(official, {"before": third.previous_before}, page_size=3)
    assert [r.name for r in back.rows] == [r.name for r in second.rows]


def test_the_list_costs_the_same_queries_for_few_and_many_rows(f, as_official, district, django_assert_max_num_queries):
    def rows(n):
        for _ in range(n):
            bin = f.BinFactory(restaurant=f.RestaurantFactory(district=district))
            f.TagFactory(bin=bin)

    rows(2)
    with django_assert_max_num_queries(8) as few:
        as_official.get(reverse("console:restaurants"), {"q": "식당", "tag": "yes"})
    rows(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = as_official.get(reverse("console:restaurants"), {"q": "식당", "tag": "yes"})
    assert len(response.context["page"].rows) == 32


# Restaurant create, edit, close


def test_an_official_registers_a_restaurant_without_a_business_number(as_official, district):
    response = as_official.post(
        reverse("console:restaurant-create"),
        {"name": "새가게", "district": district.pk, "address": "서울 마포구 1", "business_type": "snack"},
    )
    restaurant = Restaurant.objects.get(name="새가게")
    assert response.status_code == 302 and response.url == reverse("console:restaurant", args=[restaurant.pk])
    assert (restaurant.business_type, restaurant.business_number, restaurant.municipality) == (
        "snack",
        "",
        district.municipality,
    )


def test_a_bad_business_number_is_shown_on_the_form(as_official, district):
    response = as_official.post(
        reverse("console:restaurant-create"),
        {
            "name": "새가게",
            "district": district.pk,
            "address": "서울",
            "business_type": "snack",
            "business_number": "123-45-67890",
        },
    )
    assert response.status_code == 200
    assert "사업자등록번호가 올바르지 않습니다" in response.context["form"].errors["business_number"][0]
    assert not Restaurant.objects.filter(name="새가게").exists()


def test_an_official_cannot_pick_another_municipalitys_district(f, as_official, other_city):
    elsewhere = f.DistrictFactory(municipality=other_city)
    response = as_official.post(
        reverse("console:restaurant-create"),
        {"name": "새가게", "district": elsewhere.pk, "address": "서울", "business_type": "snack"},
    )
    assert "district" in response.context["form"].errors


def test_editing_changes_what_was_changed(as_official, restaurant):
    url = reverse("console:restaurant-edit", args=[restaurant.pk])
    form = as_official.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data["district"] = restaurant.district_id
    data["name"] = "할매순대국 본점"
    response = as_official.post(url, data)
    assert "change_reason" in response.context["form"].errors  # an edit says why
    data["change_reason"] = "간판 변경"
    assert as_official.post(url, data).status_code == 302
    restaurant.refresh_from_db()
    assert restaurant.name == "할매순대국 본점"
    page = as_official.get(reverse("console:restaurant", args=[restaurant.pk])).content.decode()
    assert "간판 변경" in page and "할매순대국 본점" in page  # the change and its reason, in the history


def test_closing_asks_for_a_reason_and_a_confirmation(as_official, restaurant):
    url = reverse("console:restaurant-close", args=[restaurant.pk])
    response = as_official.post(url, {"closed_on": "2026-11-30", "reason": "폐업 신고"})
    assert response.status_code == 200 and "confirm" in response.context["form"].errors
    restaurant.refresh_from_db()
    assert restaurant.status == RestaurantStatus.OPEN

    response = as_official.post(url, {"closed_on": "2026-11-30", "reason": "폐업 신고", "confirm": "on"}, follow=True)
    restaurant.refresh_from_db()
    assert (restaurant.status, restaurant.closed_on) == (RestaurantStatus.CLOSED, datetime.date(2026, 11, 30))
    assert "폐업 처리했습니다" in response.content.decode()


# Bins


def test_adding_editing_and_retiring_a_bin(as_official, restaurant, tag):
    as_official.post(reverse("console:bin-add", args=[restaurant.pk]), {"label": "홀", "capacity_liters": "120"})
    new = Bin.objects.get(restaurant=restaurant, label="홀")
    assert new.capacity_liters == 120
    as_official.post(
        reverse("console:bin-edit", args=[new.pk]), {"label": "홀 2", "capacity_liters": "80", "change_reason": "교체"}
    )
    new.refresh_from_db()
    assert (new.label, new.capacity_liters) == ("홀 2", 80)

    retire = reverse("console:bin-retire", args=[tag.bin.pk])
    assert as_official.post(retire, {"reason": "파손"}).status_code == 200
    assert as_official.post(retire, {"reason": "파손", "confirm": "on"}).status_code == 302
    tag.refresh_from_db()
    assert (tag.bin.status, tag.status, tag.revoke_reason) == (BinStatus.RETIRED, TagStatus.REVOKED, "파손")


def test_bins_in_bulk_for_restaurants_without_one(f, as_official, district, bin):
    bare = f.RestaurantFactory(district=district)
    response = as_official.post(
        reverse("console:bins-bulk-missing"), {"label": "용기 1", "capacity_liters": "60"}, follow=True
    )
    assert "용기 1개를 추가했습니다" in response.content.decode()
    assert Bin.objects.filter(restaurant=bare).count() == 1


def test_bins_from_a_file_and_a_bad_file_shows_its_lines(f, as_official, district):
    f.RestaurantFactory(district=district, register_id="R-1")
    good = io.BytesIO("관리번호,라벨,용량\nR-1,주방,60\n".encode("cp949"))
    good.name = "bins.csv"
    response = as_official.post(reverse("console:bins-bulk-file"), {"file": good}, follow=True)
    assert "용기 1개를 추가했습니다" in response.content.decode()

    bad = io.BytesIO("관리번호,라벨,용량\nR-9,주방,60\n".encode())
    bad.name = "bins.csv"
    response = as_official.post(reverse("console:bins-bulk-file"), {"file": bad})
    page = response.content.decode()
    assert response.status_code == 200 and "2: 음식점을 찾을 수 없습니다" in page
    assert Bin.objects.count() == 1


# Tags


def test_issuing_a_tag_for_a_bin_and_in_bulk(f, as_official, district, bin):
    as_official.post(reverse("console:tag-issue", args=[bin.pk]))
    assert Tag.objects.filter(bin=bin).active().count() == 1
    other = f.BinFactory(restaurant=f.RestaurantFactory(district=district))
    assert as_official.get(reverse("console:tags-bulk")).context["waiting"] == 1
    response = as_official.post(reverse("console:tags-bulk"), follow=True)
    assert "태그 1개를 발급했습니다" in response.content.decode()
    assert Tag.objects.filter(bin=other).active().count() == 1


def test_replacing_and_revoking_ask_for_a_reason_and_a_confirmation(as_official, tag):
    replace = reverse("console:tag-replace", args=[tag.code])
    assert as_official.post(replace, {"reason": "lost"}).status_code == 200
    assert Tag.objects.get(pk=tag.pk).is_active
    assert as_official.post(replace, {"reason": "lost", "confirm": "on"}).status_code == 302
    new = Tag.objects.filter(bin=tag.bin).active().get()
    assert new != tag and Tag.objects.get(pk=tag.pk).revoke_reason == "lost"

    revoke = reverse("console:tag-revoke", args=[new.code])
    response = as_official.post(revoke, {"reason": "", "confirm": "on"})
    assert "reason" in response.context["form"].errors and Tag.objects.get(pk=new.pk).is_active
    assert as_official.post(revoke, {"reason": "가게 요청", "confirm": "on"}).status_code == 302
    assert not Tag.objects.filter(bin=tag.bin).active().exists()


# Label sheets


def test_a_small_label_sheet_is_ready_at_once_and_records_its_tags(as_official, tag):
    response = as_official.post(reverse("console:label-sheet-create"), {"scope": "unprinted"})
    sheet = LabelSheet.objects.get()
    assert response.url == reverse("console:label-sheet", args=[sheet.pk])
    assert sheet.status == LabelSheetStatus.DONE and list(sheet.tags.all()) == [tag]
    pdf = as_official.get(reverse("console:label-sheet-download", args=[sheet.pk]))
    assert pdf["Content-Type"] == "application/pdf" and b"".join(pdf.streaming_content).startswith(b"%PDF")
    # Printed now: "every tag not printed yet" has nothing left.
    response = as_official.post(reverse("console:label-sheet-create"), {"scope": "unprinted"})
    assert "인쇄할 태그가 없습니다" in response.content.decode()


def test_a_label_sheet_for_picked_restaurants(f, as_official, district, tag):
    f.TagFactory(bin=f.BinFactory(restaurant=f.RestaurantFactory(district=district)))
    as_official.post(
        reverse("console:label-sheet-create"), {"scope": "restaurants", "restaurants": str(tag.bin.restaurant_id)}
    )
    assert list(LabelSheet.objects.get().tags.all()) == [tag]


def test_a_big_label_sheet_builds_in_the_background(
    f, as_official, district, official, monkeypatch, eager_celery, django_capture_on_commit_callbacks
):
    from backend.tags import label_sheets

    monkeypatch.setattr(label_sheets, "BUILD_IN_REQUEST", 1)
    for _ in range(3):
        f.TagFactory(bin=f.BinFactory(restaurant=f.RestaurantFactory(district=district)))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        as_official.post(reverse("console:label-sheet-create"), {"scope": "unprinted"})
    sheet = LabelSheet.objects.get()
    progress = as_official.get(reverse("console:label-sheet-progress", args=[sheet.pk])).json()
    assert progress == {"status": "pending", "done": 0, "total": 3, "percent": 0}
    assert as_official.get(reverse("console:label-sheet-download", args=[sheet.pk])).status_code == 404
    for callback in callbacks:
        callback()
    progress = as_official.get(reverse("console:label-sheet-progress", args=[sheet.pk])).json()
    assert progress == {"status": "done", "done": 3, "total": 3, "percent": 100}


def test_label_sheets_are_not_anyone_elses(client, as_official, tag, stranger, owner):
    as_official.post(reverse("console:label-sheet-create"), {"scope": "unprinted"})
    sheet = LabelSheet.objects.get()
    client.force_login(stranger)
    for name in ("console:label-sheet", "console:label-sheet-progress", "console:label-sheet-download"):
        assert client.get(reverse(name, args=[sheet.pk])).status_code == 404
    client.force_login(owner)
    assert client.get(reverse("console:label-sheet-download", args=[sheet.pk])).status_code == 403
