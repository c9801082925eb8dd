"""Officials' pages for tariffs and billing runs (/console/tariffs/, /console/billing/),
through the test client: what an official sees and does, and who may not."""

import uuid
from datetime import date

import pytest
from django.urls import reverse

from backend.billing.models import BillingRun, Invoice, Tariff
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db


def page(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data) if data is not None else client.get(url)


def new_tariff(**fields):
    return {
        "effective_from": "2027-01-01",
        "effective_to": "",
        "price_per_kg_krw": "150",
        "base_fee_per_bin_krw": "0",
        "minimum_charge_krw": "0",
        "change_reason": "2027년 요금 고시",
        **fields,
    }


def test_an_official_creates_a_tariff_and_sees_it_with_who_and_why(client, official, tariff):
    Tariff.objects.filter(id=tariff.id).update(effective_to=date(2026, 12, 31))
    response = page(client, official, reverse("billing-console:tariffs"), new_tariff())
    created = Tariff.objects.get(effective_from=date(2027, 1, 1))
    assert response.status_code == 302 and response.url == reverse("billing-console:tariff", args=[created.id])
    detail = client.get(response.url).content.decode()
    assert "요금표를 만들었습니다" in detail
    assert "2027년 요금 고시" in detail and "official" in detail  # the history row: why and who
    listing = client.get(reverse("billing-console:tariffs")).content.decode()
    assert "2027-01-01" in listing and "2026-01-01" in listing


def test_overlapping_dates_are_refused_with_the_reason_on_the_page(client, official, tariff):
    response = page(client, official, reverse("billing-console:tariffs"), new_tariff(effective_from="2026-06-01"))
    assert response.status_code == 400
    assert "다른 요금표와 적용 기간이 겹칩니다" in response.content.decode()
    assert Tariff.objects.count() == 1


def test_a_form_error_is_shown_next_to_its_field(client, official):
    response = page(client, official, reverse("billing-console:tariffs"), new_tariff(price_per_kg_krw="-5"))
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Tariff.objects.exists()


def test_the_open_ended_tariff_is_closed_from_its_page_and_the_change_is_recorded(client, official, tariff):
    url = reverse("billing-console:tariff", args=[tariff.id])
    assert "적용 끝내기" in page(client, official, url).content.decode()
    response = client.post(
        reverse("billing-console:close-tariff", args=[tariff.id]),
        {"effective_to": "2026-12-31", "change_reason": "요금 개정"},
    )
    assert response.status_code == 302
    tariff.refresh_from_db()
    assert tariff.effective_to == date(2026, 12, 31)
    record = tariff.history.latest()
    assert (record.history_user, record.history_change_reason) == (official, "요금 개정")
    detail = client.get(url).content.decode()
    assert "적용 끝내기" not in detail  # closed: nothing left to close
    assert "적용 종료일" in detail and "2026년 12월 31일" in detail  # the changed field, in the history


def test_closing_before_its_start_is_refused_and_changes_nothing(client, official, tariff):
    response = page(
        client,
        official,
        reverse("billing-console:close-tariff", args=[tariff.id]),
        {"effective_to": "2025-12-31", "change_reason": "실수"},
    )
    assert response.status_code == 400
    assert "종료일이 시작일보다 빠릅니다" in response.content.decode()
    tariff.refresh_from_db()
    assert tariff.effective_to is None


def test_a_change_without_a_reason_is_refused(client, official, tariff):
    response = page(
        client, official, reverse("billing-console:close-tariff", args=[tariff.id]), {"effective_to": "2026-12-31"}
    )
    assert response.status_code == 400
    tariff.refresh_from_db()
    assert tariff.effective_to is None


@pytest.mark.parametrize("persona", ["owner", "collector"])
def test_owners_and_crews_are_refused_every_console_page(client, persona, request, tariff):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for url in [
        reverse("billing-console:tariffs"),
        reverse("billing-console:tariff", args=[tariff.id]),
        reverse("billing-console:runs"),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("billing-console:tariffs"), new_tariff()).status_code == 403
    assert client.post(reverse("billing-console:runs"), {"period": "2026-10"}).status_code == 403
    assert Tariff.objects.count() == 1 and not BillingRun.objects.exists()


def test_another_municipalitys_official_gets_404_on_our_tariff_and_run(client, stranger, official, tariff, bill):
    run = bill("2026-10")
    client.force_login(stranger)
    assert client.get(reverse("billing-console:tariff", args=[tariff.id])).status_code == 404
    assert (
        client.post(
            reverse("billing-console:close-tariff", args=[tariff.id]),
            {"effective_to": "2026-12-31", "change_reason": "x"},
        ).status_code
        == 404
    )
    assert client.get(reverse("billing-console:run", args=[run.id])).status_code == 404
    assert str(tariff.id) not in client.get(reverse("billing-console:tariffs")).content.decode()
    tariff.refresh_from_db()
    assert tariff.effective_to is None


def test_anonymous_is_sent_to_sign_in(client, tariff):
    response = client.get(reverse("billing-console:tariffs"))
    assert response.status_code == 302 and "/login/" in response.url


def test_starting_a_month_queues_a_run_and_opens_its_page(client, official, tariff, old_bin, scan):
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    response = page(client, official, reverse("billing-console:runs"), {"period": "2026-10"})
    run = BillingRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("billing-console:run", args=[run.id])
    html = client.get(response.url).content.decode()
    assert "billing/run_progress.js" in html  # the page follows the run until it is done
    assert f'data-progress-url="/api/v1/billing/runs/{run.id}' in html


def test_a_finished_run_shows_invoices_totals_and_skipped_restaurants_with_why(
    client, f, official, tariff, old_bin, scan, bill
):
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    idle = f.RestaurantFactory(district=old_bin.restaurant.district, name="빈 가게")
    run = bill("2026-10")
    html = page(client, official, reverse("billing-console:run", args=[run.id])).content.decode()
    invoice = Invoice.objects.get(run=run)
    assert "run_progress.js" not in html  # done: nothing to follow
    assert "1건" in html and f"{invoice.total_krw:,}" in html
    assert idle.name in html and "청구할 수거량·사용 중인 용기 없음" in html


def test_starting_a_billed_month_tells_the_official_and_links_the_run(client, official, tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    first = bill("2026-10")
    response = page(client, official, reverse("billing-console:runs"), {"period": "2026-10"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "청구가 이미 끝났습니다" in html
    assert reverse("billing-console:run", args=[first.id]) in html
    assert BillingRun.objects.count() == 1


def test_the_api_answers_a_billed_month_with_its_code(api, official, tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5), 10_000)
    first = bill("2026-10")
    response = api.as_user(official).post("/api/v1/billing/runs/", {"period": "2026-10"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["fields"]["run"]) == ("period_already_billed", [str(first.id)])


def test_an_unknown_run_is_404(client, official):
    assert page(client, official, reverse("billing-console:run", args=[uuid.uuid4()])).status_code == 404


@pytest.mark.parametrize("price", ["1_0", "１０", "1e2", "10.0", "+10"])
def test_a_price_is_ascii_digits_and_nothing_else(client, official, price):
    response = page(client, official, reverse("billing-console:tariffs"), new_tariff(price_per_kg_krw=price))
    assert response.status_code == 400
    assert not Tariff.objects.exists()


def test_spaces_around_a_price_are_what_people_type(client, official):
    page(client, official, reverse("billing-console:tariffs"), new_tariff(price_per_kg_krw=" 150 "))
    assert Tariff.objects.get().price_per_kg_krw == 150
