"""Tariffs, billing runs and invoices over HTTP, with every persona."""

from datetime import date, timedelta

import pytest

from backend.billing.models import Invoice, Tariff
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db

TARIFFS, RUNS, INVOICES = "/api/v1/tariffs/", "/api/v1/billing/runs/", "/api/v1/invoices/"


def code(response):
    return response.json()["error"]["code"]


class TestTariffs:
    body = {"effective_from": "2026-01-01", "price_per_kg_krw": 130, "base_fee_per_bin_krw": 0, "minimum_charge_krw": 0}

    def test_an_official_creates_one_for_their_municipality(self, api, official):
        response = api.as_user(official).post(TARIFFS, self.body, format="json")
        assert response.status_code == 201, response.json()
        assert response.json()["effective_to"] is None
        assert Tariff.objects.get().municipality == official.municipality

    def test_overlapping_dates_are_refused(self, api, official):
        api.as_user(official).post(TARIFFS, self.body, format="json")
        response = api.post(TARIFFS, {**self.body, "effective_from": "2026-06-01"}, format="json")
        assert (response.status_code, code(response)) == (409, "tariff_overlap")

    def test_closing_the_open_tariff_then_adding_the_next_one(self, api, official):
        first = api.as_user(official).post(TARIFFS, self.body, format="json").json()
        assert api.patch(f"{TARIFFS}{first['id']}/", {"effective_to": "2026-10-15"}, format="json").status_code == 200
        response = api.post(
            TARIFFS, {**self.body, "effective_from": "2026-10-16", "price_per_kg_krw": 150}, format="json"
        )
        assert response.status_code == 201, response.json()

    @pytest.mark.parametrize("persona", ["owner", "collector"])
    def test_others_read_but_may_not_write(self, api, request, persona, tariff, restaurant):
        user = request.getfixturevalue(persona)
        assert api.as_user(user).get(TARIFFS).json()["count"] == 1
        assert api.post(TARIFFS, self.body, format="json").status_code == 403

    def test_another_municipalitys_official_sees_nothing(self, api, stranger, tariff):
        api.as_user(stranger)
        assert api.get(TARIFFS).json()["count"] == 0
        assert api.get(f"{TARIFFS}{tariff.id}/").status_code == 404
        assert api.patch(f"{TARIFFS}{tariff.id}/", {"price_per_kg_krw": 1}, format="json").status_code == 404


class TestRuns:
    def test_an_official_starts_a_run_and_reads_its_progress(
        self, api, official, settings, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = api.as_user(official).post(RUNS, {"period": "2026-10"}, format="json")
        assert response.status_code == 202, response.json()
        data = response.json()
        assert (data["period"], data["status"], data["done"]) == ("2026-10", "queued", 0)
        assert len(callbacks) == 1  # the task is sent after commit
        assert api.get(f"{RUNS}{data['id']}/").json()["status"] == "queued"
        again = api.post(RUNS, {"period": "2026-10"}, format="json")
        assert again.json()["id"] == data["id"]  # the run already queued, not a second one

    def test_a_month_not_yet_over_is_refused(self, api, official):
        response = api.as_user(official).post(RUNS, {"period": "2099-10"}, format="json")
        assert (response.status_code, code(response)) == (400, "period_not_closed")

    def test_a_malformed_period(self, api, official):
        response = api.as_user(official).post(RUNS, {"period": "2026-13"}, format="json")
        assert (response.status_code, code(response)) == (400, "invalid_period")

    @pytest.mark.parametrize("persona", ["owner", "collector"])
    def test_only_officials_start_runs(self, api, request, persona):
        response = api.as_user(request.getfixturevalue(persona)).post(RUNS, {"period": "2026-10"}, format="json")
        assert response.status_code == 403

    def test_another_municipalitys_run_is_not_found(self, api, official, stranger, bill):
        run = bill("2026-10")
        assert api.as_user(stranger).get(f"{RUNS}{run.id}/").status_code == 404
        assert api.get(RUNS).json()["count"] == 0


@pytest.fixture
def invoice(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5), 12_345)
    scan(old_bin, seoul(2026, 10, 5, 5), 2_000)
    bill("2026-10")
    return Invoice.objects.get()


class TestInvoices:
    # The scans behind a line are read back from the invoice's snapshot, which only
    # sees scans committed before the run, as in production.
    @pytest.mark.django_db(transaction=True)
    def test_the_owner_reads_the_lines_and_the_scans_behind_them(
        self, api, owner, invoice, django_assert_max_num_queries
    ):
        api.as_user(owner)
        with django_assert_max_num_queries(12):
            data = api.get(f"{INVOICES}{invoice.id}/").json()
        assert (data["period"], data["status"]) == ("2026-10", "issued")
        assert (data["subtotal_krw"], data["truncated_krw"], data["total_krw"]) == (1864, 4, 1860)
        issued = invoice.issued_at.astimezone(invoice.restaurant.municipality.zone).date()
        # the end of November, but never sooner than 10 days after issue
        assert data["due_date"] == max(date(2026, 11, 30), issued + timedelta(days=10)).isoformat()
        (line,) = data["lines"]
        assert (line["bin"], line["weight_g"], line["amount_krw"]) == (str(invoice.lines.get().bin_id), 14_345, 1864)
        assert [scan["weight_g"] for scan in line["scans"]] == [12_345, 2_000]

    def test_filters_by_period_and_restaurant(self, api, official, invoice):
        api.as_user(official)
        assert api.get(INVOICES, {"period": "2026-10"}).json()["count"] == 1
        assert api.get(INVOICES, {"period": "2026-09"}).json()["count"] == 0
        assert api.get(INVOICES, {"restaurant": str(invoice.restaurant_id)}).json()["count"] == 1

    @pytest.mark.parametrize("persona", ["stranger", "other_owner", "collector"])
    def test_nobody_else_sees_it(self, api, request, persona, invoice):
        api.as_user(request.getfixturevalue(persona))
        assert api.get(INVOICES).json()["count"] == 0
        assert api.get(f"{INVOICES}{invoice.id}/").status_code == 404
        assert api.get(f"{INVOICES}{invoice.id}/pdf").status_code == 404

    def test_an_issued_invoice_keeps_its_facts_when_the_restaurant_changes(self, api, owner, invoice):
        invoice.restaurant.name = "새이름식당"
        invoice.restaurant.save(update_fields=["name"])
        assert api.as_user(owner).get(f"{INVOICES}{invoice.id}/").json()["restaurant_name"] == "할매순대국"


def test_tariff_dates_are_inclusive(city, old_bin, scan, bill):
    Tariff.objects.create(
        municipality=city, effective_from=date(2026, 10, 1), effective_to=date(2026, 10, 31), price_per_kg_krw=100
    )
    scan(old_bin, seoul(2026, 10, 31, 23, 0), 1_000)
    bill("2026-10")
    assert Invoice.objects.get().subtotal_krw == 100
