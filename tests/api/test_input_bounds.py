"""Input out of any sane bound is refused with its own code, never a 500 and never stored."""

from datetime import timedelta

import pytest
from django.utils import timezone

from backend.billing.periods import Period
from backend.core.errors import DomainError

MEGABYTE = "가" * (1024 * 1024 // 3)


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.mark.parametrize(
    "moment,code",
    [
        ("0000-01-01T00:00:00Z", "validation_error"),  # not a date at all
        ("0001-01-01T00:00:00Z", "date_out_of_range"),
        ("9999-12-31T23:59:59Z", "date_out_of_range"),
        ("9999-12-31T23:00:00-05:00", "date_out_of_range"),  # past year 9999 in UTC
        ("2026-11-28T10:00:00+20:00", "invalid_utc_offset"),  # PostgreSQL refuses the offset
    ],
)
def test_scan_list_filters_refuse_dates_out_of_range(api, official, moment, code):
    for name in ("from", "to"):
        response = api.as_user(official).get("/api/v1/collections/", {name: moment})
        assert response.status_code == 400, response.content
        assert error_code(response) == code


def test_scan_list_filters_take_sane_dates(api, official):
    response = api.as_user(official).get("/api/v1/collections/", {"from": "2026-11-28T10:00:00+14:00"})
    assert response.status_code == 200


@pytest.mark.parametrize("first,last", [("9999-12-31", "9999-12-31"), ("1999-12-31", "2000-01-01")])
def test_report_ranges_refuse_years_out_of_range(api, official, first, last):
    response = api.as_user(official).get("/api/v1/reports/volume/", {"from": first, "to": last, "group": "district"})
    assert response.status_code == 400, response.content
    assert error_code(response) == "date_out_of_range"


@pytest.mark.parametrize("text", ["0000-01", "0001-01", "1999-12", "2101-01", "9999-12"])
def test_periods_outside_2000_to_2100_are_refused(text):
    with pytest.raises(DomainError) as refused:
        Period.parse(text)
    assert refused.value.code == "period_out_of_range"


def test_periods_at_the_bounds_are_taken():
    assert str(Period.parse("2000-01")) == "2000-01"
    assert str(Period.parse("2100-12")) == "2100-12"


@pytest.mark.parametrize("period", ["0000-01", "0001-01"])
def test_a_billing_run_for_year_zero_or_one_is_refused_before_it_starts(api, official, period):
    from backend.billing.models import BillingRun

    response = api.as_user(official).post("/api/v1/billing/runs/", {"period": period}, format="json")
    assert response.status_code == 400, response.content
    assert error_code(response) == "period_out_of_range"
    assert not BillingRun.objects.exists()


def test_an_invoice_filter_with_year_zero_is_refused(api, owner):
    response = api.as_user(owner).get("/api/v1/invoices/", {"period": "0000-01"})
    assert response.status_code == 400
    assert error_code(response) == "period_out_of_range"


@pytest.mark.parametrize("field", ["effective_from", "effective_to"])
def test_a_tariff_from_year_one_is_refused(api, official, field):
    from backend.billing.models import Tariff

    body = {"effective_from": "2026-01-01", "price_per_kg_krw": 130, field: "0001-01-01"}
    response = api.as_user(official).post("/api/v1/tariffs/", body, format="json")
    assert response.status_code == 400, response.content
    assert error_code(response) == "date_out_of_range"
    assert response.json()["error"]["fields"] == {field: ["a date between 2000-01-01 and 2100-12-31"]}
    assert not Tariff.objects.exists()


def _pickup(api, owner, bin, day, **extra):
    body = {"bin": str(bin.id), "kind": "extra_pickup", "requested_for": str(day), **extra}
    return api.as_user(owner).post("/api/v1/pickup-requests/", body, format="json")


def test_an_extra_pickup_is_asked_at_most_90_days_ahead(api, owner, bin):
    today = timezone.localdate(timezone=bin.restaurant.municipality.zone)

    assert _pickup(api, owner, bin, "9999-12-31").json()["error"]["code"] == "date_out_of_range"
    too_far = _pickup(api, owner, bin, today + timedelta(days=91))
    assert too_far.status_code == 400
    assert error_code(too_far) == "date_too_far_ahead"
    assert _pickup(api, owner, bin, today + timedelta(days=90)).status_code == 201


def test_a_missed_pickup_report_from_year_one_is_refused(api, owner, bin):
    body = {"bin": str(bin.id), "kind": "missed_pickup", "requested_for": "0001-01-01"}
    response = api.as_user(owner).post("/api/v1/pickup-requests/", body, format="json")
    assert response.status_code == 400
    assert error_code(response) == "date_out_of_range"


def test_a_pickup_note_is_bounded_in_the_api_and_the_domain(api, owner, bin, restaurant):
    from backend.pickup_requests.services import request_pickup

    today = timezone.localdate(timezone=bin.restaurant.municipality.zone)
    response = _pickup(api, owner, bin, today, note="x" * 1001)
    assert response.status_code == 400
    assert "note" in response.json()["error"]["fields"]
    with pytest.raises(DomainError) as refused:
        request_pickup(
            restaurant=restaurant, bin=bin, kind="extra_pickup", requested_for=today, note=MEGABYTE, by=owner
        )
    assert refused.value.code == "text_too_long"


@pytest.fixture
def scan(f, tag, collector):
    return f.CollectionEventFactory(tag=tag, collector=collector)


def test_a_megabyte_dispute_reason_is_refused_by_the_api_and_the_page(api, client, owner, scan):
    from backend.disputes.models import Dispute

    response = api.as_user(owner).post(
        "/api/v1/disputes/", {"collection": str(scan.id), "reason": MEGABYTE}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]

    client.force_login(owner)
    page = client.post(f"/disputes/new/{scan.id}/", {"reason": MEGABYTE})
    assert page.status_code == 200
    assert "2000자 이내로 입력해 주세요" in page.content.decode()
    assert 'maxlength="2000"' in client.get(f"/disputes/new/{scan.id}/").content.decode()
    assert not Dispute.objects.exists()


def test_a_dispute_reason_with_nul_is_refused_by_the_domain(owner, scan):
    from backend.disputes.services import raise_dispute

    with pytest.raises(DomainError) as refused:
        raise_dispute(event=scan, by=owner, reason="휴무\x00일")
    assert refused.value.code == "invalid_text"


def test_a_status_change_answers_with_the_changed_scan(api, official, scan):
    """It stored the change and then answered 500 (the wrong serializer); a retry got 409."""
    response = api.as_user(official).post(
        f"/api/v1/collections/{scan.id}/status/", {"status": "void", "reason": "중복 스캔"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(scan.id)
    assert response.json()["status"] == "void"


def test_options_on_a_report_asked_as_csv_is_no_server_error(api, official):
    response = api.as_user(official).options("/api/v1/reports/scan-quality/?format=csv&from=2026-01-01&to=2026-01-31")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
