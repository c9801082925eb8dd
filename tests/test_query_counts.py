"""Every list endpoint and list page answers with as many queries for 3N rows as for N.

The API routes come from the router itself (backend/config/api_urls.py) and the
reports from its named `report-*` paths, so a new list is measured the day it is
registered: `Rows.grow` must then put rows in its scope, or this test fails and says
so. The site's pages are read from its URLconf: each is in PAGES (measured) or in
NOT_LIST_PAGES. Each list is read by each role that works in the municipality
(official, owner, collector), with N rows in scope and again with 3N.
"""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backend.config import api_urls
from backend.config.api_urls import router

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 15, 10, 0, tzinfo=SEOUL)
N = 2
ROLES = ["official", "owner", "collector"]
REPORT_QUERIES = {
    "report-volume": [{"group": group} for group in ("month", "day", "district", "restaurant")],
    "report-scan-quality": [{}],
    "report-trends": [{}],
    "report-service": [{}],
    "report-money": [{}],
}
# Each list page, its query string, and the roles it is for (who must get a 200).
PAGES = [
    ("home", {}, ROLES),
    ("stops", {}, ["collector"]),
    ("billing:invoice-list", {}, ["official", "owner"]),
    ("disputes:mine", {}, ["owner"]),
    ("disputes:review", {}, ["official"]),
    ("pickup_requests:mine", {}, ["owner"]),
    ("pickup_requests:review", {}, ["official"]),
    ("analytics:reports", {"from": "2026-01-01", "to": "2026-12-31"}, ["official"]),
    ("analytics:trends", {"from": "2026-01-01", "to": "2026-12-31"}, ["official"]),
    ("analytics:service", {"from": "2026-01-01", "to": "2026-12-31"}, ["official"]),
    ("analytics:money", {"from": "2026-01-01", "to": "2026-12-31"}, ["official"]),
    ("open-data", {}, ROLES),  # public: every municipality's name, whatever anyone's scans
    ("tag-page", {}, ["owner", "official"]),  # the shared tag's page: its bin's history
    ("billing-console:tariffs", {}, ["official"]),
    ("billing-console:runs", {}, ["official"]),
    ("scales:list", {}, ["official"]),
    ("scales:weighings", {"scale": "SC-1"}, ["official"]),
    ("review:held", {}, ["official"]),  # the held scans Rows adds, with their evidence and photos
    ("console:restaurants", {}, ["official"]),
    ("console:label-sheets", {}, ["official"]),
    ("registers:upload", {}, ["official"]),  # the upload form and the recent imports
    ("people:list", {}, ["official"]),
    ("people:undeliverable", {}, ["official"]),
    ("notices:list", {}, ROLES),
    ("routes:haulers", {}, ["official"]),
    ("routes:round", {}, ["official"]),  # the crew's hauler's round: every bin Rows adds
    ("owner-bins", {}, ["owner"]),
    ("owner-pickups", {}, ["owner"]),
    ("owner-pickups", {"month": "2026-01"}, ["owner"]),  # a filtered page is as cheap
    ("console:tag-reports", {}, ["official"]),
    ("handovers:report", {}, ["owner"]),
    ("handovers:review", {}, ["official"]),
    ("payments:wallet", {}, ["official", "owner"]),  # the shared restaurant's account
    ("payments-console:refunds", {}, ["official"]),
    ("payments-console:settlements", {}, ["official"]),  # a settlement check with a difference per unit
    ("billing-console:arrears", {}, ["official"]),  # tests/billing/test_arrears.py grows overdue invoices
    ("billing-console:arrears", {"bucket": "90_plus"}, ["official"]),
    ("console:api-keys", {}, ["official"]),
    ("open311:requests", {}, ROLES),  # Open311's public list: anyone, signed in or not
]
# The other pages: one object, a form, or no page at all. A new page goes in one list or the other.
NOT_LIST_PAGES = {
    "healthz",
    # Open311 GeoReport v2: fixed documents, one request, and the spec's 404.
    "open311:discovery",
    "open311:services",
    "open311:service",
    "open311:request",
    "open311:not-found",
    "console:api-key-revoke",  # one key and a confirmation
    "crew-app",  # the crew app's shell: its lists come from the API (crew/stops, crew/directory)
    "crew-manifest",
    "crew-service-worker",
    "login",
    "logout",
    "billing:invoice-page",
    "pay-invoice",
    "payments:sandbox-checkout",
    "payments:callback",
    "payments:checkout",  # one order: the method form, a virtual account, or an error
    "payments:return",
    "payments:fail",
    "payments-console:payment",  # one payment and its few cancels
    "payments-console:cancel-payment",
    "payments:receipt",
    "notices:detail",
    "set_language",  # Django's own view: a POST that sets the language cookie and redirects
    "payments:wallet-top-up",
    "payments:wallet-refund",
    "payments-console:account",  # one restaurant's account: its latest movements, a fixed number
    "payments-console:counter-payment",
    "payments-console:billing-mode",
    "payments-console:municipal-low-balance",
    "payments-console:decide-refund",
    "disputes:new",
    # One query per restaurant of the owner (a handful), whatever the history or the
    # size of the group: tests/analytics/test_comparison.py counts it.
    "my-comparison",
    "disputes:decide",
    "disputes:decide-held",
    "pickup_requests:cancel",
    "pickup_requests:done",
    "pickup_requests:decide",
    "handovers:decide",
    "handovers:cancel",  # a POST: the owner withdraws a waiting report
    "billing-console:tariff",
    "billing-console:close-tariff",
    "billing-console:run",
    # The arrears CSV reads its rows in chunks of 500 (two queries each): counted in
    # tests/billing/test_arrears.py; the reminder is a POST.
    "billing-console:arrears-csv",
    "billing-console:arrears-remind",
    "notices:settings",  # one person's form
    "scales:detail",
    "review:rules",
    "owner-bin-qr",
    "owner-bin-label",
    "owner-tag-report",
    "owner-receipt",
    "console:tag-report-close",
    *(f"registers:{name}" for name in ("detail", "progress", "confirm", "places")),
    *(
        f"people:{name}"
        for name in ("invite-owner", "invite-crew", "deactivate", "welcome", "reset-request", "reset", "resend")
    ),
    *(
        f"console:{name}"
        for name in (
            "restaurant",
            "restaurant-create",
            "restaurant-edit",
            "restaurant-close",
            "bin-add",
            "bin-edit",
            "bin-retire",
            "bins-bulk",
            "bins-bulk-file",
            "bins-bulk-missing",
            "tag-issue",
            "tag-replace",
            "tag-revoke",
            "tags-bulk",
            "label-sheet",
            "label-sheet-create",
            "label-sheet-progress",
            "label-sheet-download",
        )
    ),
}
# List pages not measured here yet: to add to PAGES and Rows.grow.
NOT_MEASURED_YET: set[str] = set()


class Rows:
    """Adds `k` of everything to the municipality of the personas: per unit a district
    the crew serves, a restaurant of `owner` there with a bin and a tag, a scale of the
    crew's hauler (every scan names the first, SC-1), a tariff, a
    billed scan in its own month (its run, invoice, payment, ledger entries and an open
    dispute), a held scan with a rejected dispute, a scan today, a new tag on the shared
    bin and a scan with it, a pickup request for today assigned to the crew and one for
    tomorrow for all bins, a label sheet of the new tag, a previewed register import,
    an invited crew member, and the owner's report that the new bin's tag is lost."""

    def __init__(self, f, client, official, collector, owner, hauler, city, bin):
        self.f, self.client = f, client
        self.official, self.collector, self.owner = official, collector, owner
        self.hauler, self.city, self.shared_bin = hauler, city, bin
        self.units = 0

    def grow(self, k: int) -> None:
        for _ in range(k):
            self.units += 1
            self._unit(self.units)

    def _unit(self, i: int) -> None:
        from backend.billing import ledger
        from backend.billing.models import EntryKind, Invoice, Tariff
        from backend.billing.periods import Period
        from backend.billing.runs import execute_billing_run, start_billing_run
        from backend.collection_events.scales import register_scale
        from backend.disputes.services import raise_dispute, reject_dispute
        from backend.handovers.services import report_handover
        from backend.notifications.models import Notice, NoticeDelivery
        from backend.open311.services import file_service_request, issue_api_key
        from backend.payments.models import RefundRequest, SettlementCheck, SettlementDifference
        from backend.payments.services import create_payment_order
        from backend.people.services import invite_crew
        from backend.pickup_requests.services import assign_request, request_pickup
        from backend.registers.services import preview_register
        from backend.restaurants.models import Bin
        from backend.tags.label_sheets import request_label_sheet
        from backend.tags.models import Tag
        from backend.tags.services import issue_tag, report_tag_problem
        from tests.payments.test_payments import callback
        from tests.registers.register_files import csv_bytes
        from tests.registers.register_files import row as register_row

        f = self.f
        # The shared restaurant's account gains a movement; each new restaurant asks for a refund.
        ledger.post(
            restaurant_id=self.shared_bin.restaurant_id,
            owner_id=self.shared_bin.restaurant.owner_id,
            kind=EntryKind.TOP_UP,
            amount_krw=-1000,
            source_id=i,
        )
        district = f.DistrictFactory(municipality=self.city)
        self.hauler.districts.add(district)
        restaurant = f.RestaurantFactory(district=district, owner=self.owner)
        bin = f.BinFactory(restaurant=restaurant)
        RefundRequest.objects.create(
            restaurant=restaurant, amount_krw=1000, bank_account="국민 1", requested_by=self.owner
        )
        check = SettlementCheck.objects.create(provider="toss", day=date(2026, 1, 1) + timedelta(days=i))
        SettlementDifference.objects.create(
            check_run=check,
            kind="missing_here",
            what="payment",
            provider_transaction_id=f"tpk_{i}",
            provider_amount_krw=1,
        )
        Bin.objects.filter(id__in=[bin.id, self.shared_bin.id]).update(created_at=datetime(2025, 1, 1, tzinfo=SEOUL))
        tag = f.TagFactory(bin=bin, issued_by=self.official)
        register_scale(
            municipality=self.city,
            hauler=self.hauler,
            serial=f"SC-{i}",
            inspected_on=NOW.date() - timedelta(days=30),
            today=NOW.date(),
        )
        Tariff.objects.create(
            municipality=self.city, effective_from=date(2025, 1, 1) + timedelta(days=i), price_per_kg_krw=100 + i
        )

        def scan(on, when, status="billable"):
            shared = on.bin_id == self.shared_bin.id
            return f.CollectionEventFactory(
                id=uuid.uuid4(),
                tag=on,
                collector=self.collector,
                weight_g=10_000 + i,
                collected_at=when,
                status=status,
                scale_id="SC-1",
                **({"bin": self.shared_bin, "restaurant": self.shared_bin.restaurant} if shared else {}),
            )

        month = datetime(2026, i, 10, 9, tzinfo=SEOUL)
        billed = scan(tag, month)
        scan(issue_tag(bin=self.shared_bin, issued_by=self.official), month + timedelta(hours=1))
        held = scan(tag, month + timedelta(days=1), status="held")
        scan(tag, NOW - timedelta(hours=2))

        run = start_billing_run(
            municipality=self.city, period=Period.parse(f"2026-{i:02d}"), requested_by=self.official
        )
        execute_billing_run(run_id=run.id)
        invoice = Invoice.objects.get(restaurant=restaurant, period=date(2026, i, 1))
        order = create_payment_order(invoice=invoice, by=self.owner)
        assert callback(self.client, order, amount=order.amount_krw, transaction_id=f"tx-{i}").status_code == 200
        raise_dispute(event=billed, by=self.owner, reason=f"무게가 이상합니다 {i}", now=billed.collected_at)
        decided = raise_dispute(event=held, by=self.owner, reason=f"두 번 기록되었습니다 {i}", now=held.collected_at)
        reject_dispute(dispute=decided, by=self.official, reason="확인했습니다")
        today = request_pickup(
            restaurant=restaurant, bin=bin, kind="extra_pickup", requested_for=NOW.date(), by=self.owner
        )
        assign_request(pickup=today, by=self.official, assignee=self.collector)
        request_pickup(
            restaurant=restaurant,
            bin=None,
            kind="extra_pickup",
            requested_for=NOW.date() + timedelta(days=1),
            by=self.owner,
        )
        request_label_sheet(
            municipality_id=self.city.id, requested_by=self.official, tags=Tag.objects.filter(id=tag.id)
        )
        preview_register(
            by=self.official, file_name=f"register-{i}.csv", content=csv_bytes([register_row(i, dong=district.name)])
        )
        invite_crew(by=self.official, hauler=self.hauler, email=f"crew{i}@example.org", name=f"작업자 {i}")
        report_tag_problem(bin=bin, by=self.owner, kind="lost")
        # An outside app's key, and an extra pickup it files through Open311.
        key, _raw = issue_api_key(municipality_id=self.city.id, app_name=f"민원 앱 {i}", by=self.official)
        later = (NOW.date() + timedelta(days=2)).isoformat()
        file_service_request(key=key, service_code="extra_pickup", attributes={"tag": tag.code, "requested_for": later})
        report_handover(
            by=self.owner, restaurant=restaurant, kind="sale", proposed_on=NOW.date(), new_owner_phone="010-2222-3333"
        )
        # A KakaoTalk message of one of the owner's notices that could not be delivered.
        NoticeDelivery.objects.create(
            notice=Notice.objects.filter(recipient=self.owner, deliveries__isnull=True).first(),
            channel="alimtalk",
            status="undeliverable",
            reason="no_phone",
        )


@pytest.fixture
def rows(f, client, official, collector, owner, hauler, city, bin, tag, time_machine):
    time_machine.move_to(NOW)
    return Rows(f, client, official, collector, owner, hauler, city, bin)


def measure(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    return response, len(queries)


def rows_in(response) -> int:
    """How many rows an API answer covers: a page's count, a list's length (or a
    cursor page's), or a
    report's scans (a report by month has twelve rows however many scans it sums)."""
    if response.status_code != 200:
        return 0
    body = response.json()
    if isinstance(body, list):
        return len(body)
    if "count" in body:
        return body["count"]
    if "results" in body:
        return len(body["results"])
    if "totals" in body:  # volume and service count scans, money invoices
        return body["totals"].get("collections", body["totals"].get("invoices"))
    if "top" in body:  # trends: the restaurants that put out the most
        return len(body["top"])
    return body["scans"]


def list_routes():
    """Each GET list of the router (a viewset without `list` has none), and each report."""
    routes = [
        pytest.param(f"v1:{basename}-list", {}, id=basename)
        for _prefix, viewset, basename in router.registry
        if hasattr(viewset, "list")
    ]
    reports = [
        pytest.param(f"v1:{name}", params, id=f"{name}-{'-'.join(params.values()) or 'all'}")
        for name in report_names()
        for params in REPORT_QUERIES.get(name, [{"unmeasured": "add it to REPORT_QUERIES"}])
    ]
    return routes + reports


def report_names() -> list[str]:
    return [p.name for p in api_urls.urlpatterns if getattr(p, "name", None) and p.name.startswith("report-")]


def route_kwargs(name: str, rows: Rows) -> dict:
    if "restaurant_pk" in str(_pattern(name)):
        return {"restaurant_pk": str(rows.shared_bin.restaurant_id)}
    return {"bin_pk": str(rows.shared_bin.id)} if "bin_pk" in str(_pattern(name)) else {}


def _pattern(name: str):
    basename = name.removeprefix("v1:").removesuffix("-list")
    for prefix, _viewset, registered in router.registry:
        if registered == basename:
            return prefix
    return ""


@pytest.mark.parametrize("name,params", list_routes())
def test_api_lists_do_not_grow_queries_with_their_rows(api, rows, name, params, request):
    assert "unmeasured" not in params, f"{name}: say which queries to measure in REPORT_QUERIES"
    if name.startswith("v1:report-"):
        params = {"from": "2026-01-01", "to": "2026-12-31", **params}
    url = reverse(name, kwargs=route_kwargs(name, rows))
    rows.grow(N)
    before = {}
    for role in ROLES:
        api.as_user(request.getfixturevalue(role))
        before[role] = measure(api, url, params)
    rows.grow(2 * N)
    grew = False
    for role in ROLES:
        api.as_user(request.getfixturevalue(role))
        (first, queries_first), (response, queries) = before[role], measure(api, url, params)
        assert response.status_code == first.status_code, (role, response.content[:300])
        assert queries == queries_first, f"{name} as {role}: {queries_first} queries for N rows, {queries} for 3N"
        grew = grew or rows_in(response) > rows_in(first)
    assert grew, f"{name}: no role sees more rows after Rows.grow; make Rows add rows in its scope"


@pytest.mark.parametrize("name,params,readers", PAGES, ids=[name for name, *_ in PAGES])
@pytest.mark.parametrize("role", ROLES)
def test_list_pages_do_not_grow_queries_with_their_rows(client, rows, name, params, readers, role, tag, request):
    client.force_login(request.getfixturevalue(role))
    if name == "tag-page":
        url = reverse(name, kwargs={"code": tag.code})
    elif name == "routes:round":
        url = reverse(name, kwargs={"hauler_id": request.getfixturevalue("hauler").id})
    elif name == "open311:requests":
        url = reverse(name, kwargs={"fmt": "json"})
    elif name == "payments:wallet":
        url = reverse(name, kwargs={"restaurant_id": tag.bin.restaurant_id})
    else:
        url = reverse(name)
    rows.grow(N)
    first, queries_first = measure(client, url, params)
    rows.grow(2 * N)
    response, queries = measure(client, url, params)
    assert response.status_code == first.status_code
    if role in readers:
        assert response.status_code == 200, (name, role, response.status_code)
    if response.status_code == 200:
        assert queries == queries_first, f"{name} as {role}: {queries_first} queries for N rows, {queries} for 3N"


def page_names(patterns=None, namespace=""):
    """Every named page of the site, outside the API and the admin."""
    from django.urls import URLResolver, get_resolver

    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern) not in ("api/v1/", "admin/"):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from page_names(pattern.url_patterns, inner)
        elif pattern.name:  # an unnamed path (the favicon's redirect) is no page to list
            yield f"{namespace}{pattern.name}"


def test_every_page_is_measured_or_known_not_to_list():
    listed = {name for name, *_ in PAGES}
    unsorted = set(page_names()) - listed - NOT_LIST_PAGES - NOT_MEASURED_YET
    assert not unsorted, f"a list page goes in PAGES (and Rows.grow), any other page in NOT_LIST_PAGES: {unsorted}"
