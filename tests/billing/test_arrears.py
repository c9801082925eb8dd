"""The officials' arrears list and its bulk reminder: ages by due date in the
municipality's time zone, what is owed, what each owner was told and read, one reminder
per invoice a day, the officials' own municipality only, and the CSV."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backend.billing.models import Invoice, InvoiceStatus
from backend.notifications.models import Notice, NoticeKind
from backend.restaurants.models import Bin
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db

# "Today" for these tests: 00:30 on 1 March in Seoul, still 28 February in UTC, so an
# age counted on the UTC date would be a day short.
NOW = seoul(2027, 3, 1, 0, 30)
TODAY = date(2027, 3, 1)


@pytest.fixture
def billed(f, district, tariff, scan, bill, eager_celery, django_capture_on_commit_callbacks, time_machine):
    """billed(n, months) → the invoices of n restaurants (each its own owner) for each
    month, issued and sent; the clock then stands at NOW."""
    restaurants = []

    def make(n, months=("2026-10",)):
        time_machine.move_to(seoul(2026, 11, 1, 3), tick=False)
        for i in range(len(restaurants), len(restaurants) + n):
            owner = f.UserFactory(username=f"arrears-owner-{i}", role="owner", email=f"owner{i}@example.org")
            restaurant = f.RestaurantFactory(district=district, owner=owner, name=f"식당 {i:02d}")
            bin_ = f.BinFactory(restaurant=restaurant)
            Bin.objects.filter(id=bin_.id).update(created_at=seoul(2025, 1, 1))
            for month in (8, 9, 10):
                scan(bin_, seoul(2026, month, 3, 5), 10_000 * (i + 1))
            restaurants.append(restaurant)
        for month in months:
            with django_capture_on_commit_callbacks(execute=True):
                bill(month)
        time_machine.move_to(NOW, tick=False)
        return list(Invoice.objects.order_by("restaurant_name", "period"))

    return make


def due(invoice, days_ago: int, status=InvoiceStatus.OVERDUE, **fields):
    Invoice.objects.filter(id=invoice.id).update(due_date=TODAY - timedelta(days=days_ago), status=status, **fields)


def listed(api, official, **params):
    response = api.as_user(official).get("/api/v1/arrears/", params)
    assert response.status_code == 200, response.content
    return {row["number"]: row for row in response.json()["results"]}


def test_ages_are_counted_in_the_municipalitys_days_at_each_boundary(api, official, billed):
    invoices = billed(9)
    ages = [0, 1, 29, 30, 59, 60, 89, 90, 400]
    for invoice, days in zip(invoices, ages, strict=True):
        due(invoice, days, status=InvoiceStatus.ISSUED if days == 0 else InvoiceStatus.OVERDUE)
    rows = listed(api, official)
    got = {invoice.number: rows.get(invoice.number) for invoice in invoices}
    assert got[invoices[0].number] is None  # due today: not late yet
    expected = ["under_30", "under_30", "30_59", "30_59", "60_89", "60_89", "90_plus", "90_plus"]
    for invoice, days, bucket in zip(invoices[1:], ages[1:], expected, strict=True):
        assert (got[invoice.number]["days_past_due"], got[invoice.number]["age_bucket"]) == (days, bucket)
    # Oldest first; and the filter by age keeps exactly its bucket.
    assert [row["days_past_due"] for row in rows.values()] == sorted(ages[1:], reverse=True)
    assert {row["days_past_due"] for row in listed(api, official, bucket="30_59").values()} == {30, 59}
    assert {row["days_past_due"] for row in listed(api, official, bucket="90_plus").values()} == {90, 400}


def test_an_issued_invoice_the_overdue_beat_has_not_reached_yet_is_listed(api, official, billed):
    (invoice,) = billed(1)
    due(invoice, 1, status=InvoiceStatus.ISSUED)
    assert invoice.number in listed(api, official)


def test_amount_owed_is_what_is_left_to_pay_and_paid_invoices_are_not_listed(api, official, billed):
    first, second, third = billed(3)
    due(first, 40, paid_krw=1000)
    due(second, 40, status=InvoiceStatus.PAID, paid_krw=second.total_krw)
    due(third, 40)
    rows = listed(api, official)
    assert rows[first.number]["amount_krw"] == first.total_krw - 1000
    assert rows[first.number]["total_krw"] == first.total_krw == 1300  # 10 kg at 130 KRW/kg
    assert second.number not in rows
    assert rows[third.number]["amount_krw"] == 3900  # 30 kg
    assert isinstance(rows[third.number]["amount_krw"], int)
    # The restaurant and owner as copied on the invoice, not as they are now.
    third.restaurant.__class__.objects.filter(id=third.restaurant_id).update(name="새 이름")
    assert listed(api, official)[third.number]["restaurant_name"] == "식당 02"
    assert listed(api, official)[third.number]["owner_name"] == third.owner_name


def test_the_notices_sent_and_whether_each_was_read(client, api, official, billed, time_machine):
    first, second = billed(2)
    due(first, 35)
    due(second, 35)
    issued = Notice.objects.get(kind=NoticeKind.INVOICE_ISSUED, about=str(first.id))
    issued.mark_read(at=seoul(2027, 2, 3, 9, 15))
    rows = listed(api, official)
    (told_first,) = rows[first.number]["notices"]
    (told_second,) = rows[second.number]["notices"]
    assert told_first["kind"] == "invoice_issued" and told_first["read_at"] is not None
    assert told_second["kind"] == "invoice_issued" and told_second["read_at"] is None

    client.force_login(official)
    page = client.get("/console/arrears/").content.decode()

    def row(invoice):
        start = page.index(f">{invoice.number}<")
        return page[start : page.index("</tr>", start)]

    assert "읽음 2월 3일 09:15" in row(first) and "읽지 않음" not in row(first)
    assert "읽지 않음" in row(second)


def test_the_bulk_reminder_sends_once_per_invoice_per_local_day(
    api, official, billed, time_machine, django_capture_on_commit_callbacks, mailoutbox
):
    first, second = billed(2)
    due(first, 31)
    due(second, 31)
    mailoutbox.clear()
    ids = {"invoices": [str(first.id), str(second.id)]}
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.as_user(official).post("/api/v1/arrears/remind/", ids, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"sent": 2, "already_today": 0, "no_owner": 0, "not_in_arrears": 0}
    assert sorted(message.to[0] for message in mailoutbox) == ["owner0@example.org", "owner1@example.org"]
    assert "31일" in mailoutbox[0].body

    time_machine.move_to(seoul(2027, 3, 1, 23, 59), tick=False)  # later the same local day
    with django_capture_on_commit_callbacks(execute=True):
        again = api.as_user(official).post("/api/v1/arrears/remind/", ids, format="json")
    assert again.json() == {"sent": 0, "already_today": 2, "no_owner": 0, "not_in_arrears": 0}
    assert len(mailoutbox) == 2

    time_machine.move_to(seoul(2027, 3, 2, 0, 1), tick=False)  # the next local day
    with django_capture_on_commit_callbacks(execute=True):
        next_day = api.as_user(official).post("/api/v1/arrears/remind/", {"invoices": [str(first.id)]}, format="json")
    assert next_day.json()["sent"] == 1
    reminders = Notice.objects.filter(kind=NoticeKind.ARREARS_REMINDER).order_by("created_at")
    assert [n.about for n in reminders if n.about.startswith(str(first.id))] == [
        f"{first.id}:2027-03-01",
        f"{first.id}:2027-03-02",
    ]
    # Both show on the list, with the invoice notice, unread.
    kinds = [notice["kind"] for notice in listed(api, official)[first.number]["notices"]]
    assert kinds == ["invoice_issued", "arrears_reminder", "arrears_reminder"]


def test_the_page_confirms_how_many_were_sent_and_a_second_click_sends_none(
    client, official, billed, django_capture_on_commit_callbacks
):
    first, second, third = billed(3)
    for invoice in (first, second, third):
        due(invoice, 61)
    client.force_login(official)
    form = {"invoice": [str(first.id), str(second.id)], "bucket": "60_89"}
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post("/console/arrears/remind/", form, follow=True)
    assert answer.redirect_chain[-1][0] == "/console/arrears/?bucket=60_89"
    assert "납부 안내 2건을 보냈습니다" in answer.content.decode()
    answer = client.post("/console/arrears/remind/", form, follow=True)
    page = answer.content.decode()
    assert "납부 안내 0건을 보냈습니다" in page and "2건은 오늘 이미 안내해 다시 보내지 않았습니다" in page
    assert Notice.objects.filter(kind=NoticeKind.ARREARS_REMINDER).count() == 2


def test_nothing_ticked_is_a_form_error_not_a_reminder(client, official, billed):
    (invoice,) = billed(1)
    due(invoice, 5)
    client.force_login(official)
    answer = client.post("/console/arrears/remind/", {})
    assert answer.status_code == 400
    assert "하나 이상 고르세요" in answer.content.decode()
    assert not Notice.objects.filter(kind=NoticeKind.ARREARS_REMINDER).exists()


def test_another_municipalitys_official_sees_none_and_reminds_none(api, stranger, official, owner, billed):
    first, second = billed(2)
    due(first, 45)
    due(second, 45)
    assert listed(api, official).keys() == {first.number, second.number}
    assert listed(api, stranger) == {}
    answer = api.as_user(stranger).post("/api/v1/arrears/remind/", {"invoices": [str(first.id)]}, format="json")
    assert answer.json() == {"sent": 0, "already_today": 0, "no_owner": 0, "not_in_arrears": 1}
    assert api.as_user(owner).get("/api/v1/arrears/").status_code == 403
    assert api.as_user(owner).post("/api/v1/arrears/remind/", {"invoices": [str(first.id)]}).status_code == 403


def test_the_district_filter(api, official, f, city, billed):
    first, second = billed(2)
    due(first, 45)
    due(second, 45)
    elsewhere = f.DistrictFactory(municipality=city, name="상암동")
    second.restaurant.__class__.objects.filter(id=second.restaurant_id).update(district=elsewhere)
    assert listed(api, official, district=str(elsewhere.id)).keys() == {second.number}
    assert api.as_user(official).get("/api/v1/arrears/", {"bucket": "ancient"}).status_code == 400


def test_csv_has_every_row_and_units_in_column_names(client, official, billed):
    first, second = billed(2)
    due(first, 95, paid_krw=300)
    due(second, 10)
    client.force_login(official)
    response = client.get("/console/arrears/csv/")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert list(rows[0]) == [
        "invoice_number",
        "restaurant_name",
        "restaurant_address",
        "business_number",
        "owner_name",
        "district",
        "period",
        "due_date",
        "days_past_due",
        "age_bucket",
        "total_krw",
        "paid_krw",
        "amount_krw",
        "notices_sent",
        "notices_read",
        "last_notice_at",
    ]
    by_number = {row["invoice_number"]: row for row in rows}
    assert by_number[first.number]["amount_krw"] == "1000"
    assert by_number[first.number]["age_bucket"] == "90_plus"
    assert by_number[first.number]["notices_sent"] == "1" and by_number[first.number]["notices_read"] == "0"
    assert by_number[second.number]["days_past_due"] == "10"
    only_old = client.get("/console/arrears/csv/", {"bucket": "90_plus"})
    assert len(list(csv.reader(io.StringIO(b"".join(only_old.streaming_content).decode())))) == 2


def test_names_a_spreadsheet_would_run_stay_text_in_the_csv(client, official, billed):
    """A restaurant or owner name typed as a formula opens in Excel as the text it is."""
    (invoice,) = billed(1)
    due(invoice, 40, restaurant_name='=HYPERLINK("http://example.com","열기")', owner_name="@SUM(A1:A9)")
    client.force_login(official)
    text = b"".join(client.get("/console/arrears/csv/").streaming_content).decode("utf-8")
    (row,) = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    assert row["restaurant_name"] == '\'=HYPERLINK("http://example.com","열기")'
    assert row["owner_name"] == "'@SUM(A1:A9)"
    assert row["amount_krw"] == "1300" and row["days_past_due"] == "40"  # numbers stay numbers


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code == 200
    return len(captured)


def test_the_page_and_the_api_read_a_fixed_number_of_queries(client, api, official, billed):
    for invoice in billed(2, months=("2026-08",)):
        due(invoice, 40)
    client.force_login(official)
    api.as_user(official)
    page_few = count_queries(lambda: client.get("/console/arrears/"))
    api_few = count_queries(lambda: api.get("/api/v1/arrears/"))
    for invoice in billed(3, months=("2026-09", "2026-10")):
        due(invoice, 70)
    assert Invoice.objects.count() == 2 + 2 * 5
    assert count_queries(lambda: client.get("/console/arrears/")) == page_few
    assert count_queries(lambda: api.get("/api/v1/arrears/")) == api_few


def test_the_console_list_says_unpaid_only_where_the_arrears_page_does(client, api, official, billed):
    """An invoice not yet due is waiting for its payment: "납부 대기", not "미납", and the
    list's unpaid filter finds the restaurants the arrears page lists."""
    from django.urls import reverse

    late, waiting, due_today = billed(3)
    due(late, 1)
    due(waiting, -10, status=InvoiceStatus.ISSUED)
    due(due_today, 0, status=InvoiceStatus.ISSUED)
    assert set(listed(api, official)) == {late.number}

    client.force_login(official)
    page = client.get(reverse("console:restaurants"))
    html = page.content.decode()
    rows = {row.name: (row.has_unpaid, row.awaits_payment) for row in page.context["page"].rows}
    assert rows == {
        late.restaurant_name: (True, False),
        waiting.restaurant_name: (False, True),
        due_today.restaurant_name: (False, True),
    }
    assert html.count("<strong>미납</strong>") == 1 and html.count("납부 대기") == 2
    unpaid = client.get(reverse("console:restaurants"), {"unpaid": "yes"}).context["page"].rows
    assert [row.name for row in unpaid] == [late.restaurant_name]
