"""The audit trail: changes to restaurants, bins, tags, accounts, tariffs and scales
are recorded with who, when, what changed and why, and shown on an object's page
through `{% history_of obj %}`."""

import pytest
from django.template import Context, Template
from django.utils import translation

from backend.audit.templatetags.audit_history import history_rows
from backend.core.audit import change_reason
from backend.tags.services import issue_tag, retire_bin

pytestmark = pytest.mark.django_db


def test_a_change_through_the_api_records_the_signed_in_official(api, official, restaurant):
    response = api.as_user(official).patch(
        f"/api/v1/restaurants/{restaurant.id}/", {"name": "새이름 식당"}, format="json"
    )
    assert response.status_code == 200, response.content
    record = restaurant.history.latest()
    assert (record.history_user, record.name) == (official, "새이름 식당")
    (row, *_) = history_rows(restaurant)
    assert row.who == (official.get_full_name() or "official")
    assert [(change.field, change.new) for change in row.changes] == [("name", "새이름 식당")]


def test_tags_and_bins_keep_the_reason_given_with_the_change(official, bin, tag):
    with change_reason("분실 신고"):
        new_tag = issue_tag(bin=bin, issued_by=official, reason="lost")
    tag.refresh_from_db()
    assert tag.history.latest().history_change_reason == "분실 신고"
    assert new_tag.history.latest().history_type == "+"
    with change_reason("폐업"):
        retire_bin(bin=bin, by=official)
    assert bin.history.latest().history_change_reason == "폐업"
    assert "status" in [change.field for change in history_rows(bin)[0].changes]


def test_no_reason_outside_the_block(official, bin):
    with change_reason("첫 번째"):
        pass
    bin.label = "주방 3"
    bin.save()
    assert bin.history.latest().history_change_reason is None


def test_an_accounts_history_never_holds_its_password_or_sign_ins(owner):
    owner.set_password("a-new-password-9")
    owner.save()
    fields = {field.name for field in owner.history.model._meta.fields}
    assert "password" not in fields and "last_login" not in fields
    # Saved with nothing the trail keeps changed: no row on the page.
    assert [str(row.kind) for row in history_rows(owner)] == ["생성"]


def test_the_include_shows_each_change_with_old_and_new_values(official, restaurant):
    with change_reason("상호 변경 신고"):
        restaurant.name = "바뀐 식당"
        restaurant.save()
    html = Template("{% load audit_history %}{% history_of restaurant %}").render(Context({"restaurant": restaurant}))
    assert "상호 변경 신고" in html and '<li>상호: <span lang="ko">' in html and "바뀐 식당" in html
    assert "<td>변경<ul" in html and "<td>생성</td>" in html
    with translation.override("en"):
        html = Template("{% load audit_history %}{% history_of restaurant %}").render(
            Context({"restaurant": restaurant})
        )
    assert "<td>Changed<ul" in html and "<td>Created</td>" in html and ">History</h2>" in html
    assert '<span lang="ko">상호 변경 신고</span>' in html and '<span lang="ko">바뀐 식당</span>' in html
    assert "<li>Name: <span" in html


def test_a_closing_reads_as_the_fields_names_and_the_statuses_words(official, restaurant):
    """Not "closed_on: — → 2020-01-01 / status: open → closed": the officials' words."""
    from datetime import date

    with change_reason("폐업 신고"):
        restaurant.status = "closed"
        restaurant.closed_on = date(2020, 1, 1)
        restaurant.save()
    render = Template("{% load audit_history %}{% history_of restaurant %}").render
    html = render(Context({"restaurant": restaurant}))
    assert "<li>폐업일자: — → 2020년 1월 1일</li>" in html and "<li>상태: 영업 중 → 폐업</li>" in html
    assert "closed_on" not in html and "status:" not in html
    with translation.override("en"):
        html = render(Context({"restaurant": restaurant}))
    assert "<li>Status: Open → Closed</li>" in html and "<li>Closing day: —" in html


def test_the_history_is_read_in_one_query_however_long(django_assert_num_queries, restaurant):
    for n in range(30):
        restaurant.name = f"식당 {n}"
        restaurant.save()
    with django_assert_num_queries(1):
        rows = history_rows(restaurant)
    assert len(rows) == 31


def test_a_tariff_changed_through_the_api_keeps_who_and_why(api, official):
    from datetime import date

    from backend.billing.models import Tariff

    tariff = Tariff.objects.create(
        municipality=official.municipality, effective_from=date(2026, 1, 1), price_per_kg_krw=130
    )
    response = api.as_user(official).patch(
        f"/api/v1/tariffs/{tariff.id}/", {"effective_to": "2026-12-31", "change_reason": "요금 개정"}, format="json"
    )
    assert response.status_code == 200, response.content
    record = tariff.history.latest()
    assert (record.history_user, record.history_change_reason) == (official, "요금 개정")
    assert "change_reason" not in response.json()


def test_a_moved_restaurant_reads_as_the_districts_names_not_their_ids(f, official, restaurant):
    other = f.DistrictFactory(municipality=restaurant.municipality, name="망원동")
    before = restaurant.district.name
    restaurant.district = other
    restaurant.save()
    (row, *_) = history_rows(restaurant)
    assert [(c.label, c.old, c.new, c.typed) for c in row.changes] == [("동", before, "망원동", True)]
