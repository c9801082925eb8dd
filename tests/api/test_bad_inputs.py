"""Hand-made bad inputs, as an attacker or a broken client would send them.

Every endpoint of the API and every form page, tried by each role with wrong JSON
types, odd text, odd query strings and path parameters, wrong content types and
methods. The promise: never a 5xx; under /api/ every 4xx is the error shape
`{"error": {"code", "message", "fields"}}` (never HTML); a page answers with a page.

Each request runs in a savepoint that is rolled back, so that one request's writes do
not change what the next one meets, and the whole table runs in a few seconds. A
table's failures are collected and reported together.
"""

import io
import json

import openpyxl
import pytest
from django.db import transaction
from django.test import Client

from backend.analytics.spreadsheets import XLSX_MEDIA_TYPE as XLSX
from tests.api.test_permission_matrix import world  # noqa: F401  (one of everything, reachable by its owner)

pytestmark = pytest.mark.django_db

NIL_UUID = "00000000-0000-0000-0000-000000000000"

# Values for a JSON field: wrong types, odd text, odd numbers and dates. Sent as raw
# JSON text, so that a lone surrogate arrives as `"\ud800"` and is decoded by the parser.
JUNK = {
    "null": "null",
    "true": "true",
    "zero": "0",
    "negative": "-1",
    "huge int": "1" + "0" * 40,
    "float": "1.5",
    "exponent": '"1e5000"',
    "empty": '""',
    "spaces": '"   "',
    "long": json.dumps("가" * 100_000),
    "nul": '"a\\u0000b"',
    "lone surrogate": '"\\ud800"',
    "rtl and zero width": '"\\u202e\\u200b\\ufeff"',
    "list": "[1]",
    "dict": '{"a": 1}',
    "nil uuid": f'"{NIL_UUID}"',
    "year 0": '"0000-01-01"',
    "year 1": '"0001-01-01"',
    "year 9999": '"9999-12-31"',
    "offset +20": '"2026-11-28T10:00:00+20:00"',
    "period 0001": '"0001-01"',
    "period 9999-13": '"9999-13"',
}


def assert_api_answer(response) -> str | None:
    """None when the answer keeps the promise, else what went wrong."""
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.content[:300]!r}"
    if status == 429 and "Retry-After" not in response:
        return "429 without Retry-After"
    if response.request["REQUEST_METHOD"] == "HEAD":
        return None  # no body to look at
    if status >= 400 and response.get("Content-Type", "").startswith("text/csv"):
        # A report asked for as CSV answers its error as CSV, in the same shape.
        return None if "Error code" in response.content.decode("utf-8-sig") else "a CSV error without its code"
    if status >= 400 and response.get("Content-Type", "") == XLSX:
        # … and asked for as Excel, as a workbook whose first row names the error's code.
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        return None if "Error code" in str(sheet["A1"].value) else "an Excel error without its code"
    if status >= 400:
        if not response.get("Content-Type", "").startswith("application/json"):
            return f"{status} not JSON: {response.get('Content-Type')} {response.content[:200]!r}"
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict) or set(error) != {"code", "message", "fields"} or not error["code"]:
            return f"{status} not the error shape: {response.content[:200]!r}"
    return None


def assert_page_answer(response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{status}: {response.content[:300]!r}"
    if status >= 400 and not response.get("Content-Type", "").startswith(("text/html", "application/json")):
        return f"{status} neither a page nor JSON: {response.get('Content-Type')}"
    return None


def send(client, method: str, path: str, **kwargs):
    """One request whose writes are undone afterwards."""
    with transaction.atomic():
        if method == "generic":
            kwargs = dict(kwargs)
            response = client.generic(kwargs.pop("http_method"), path, **kwargs)
        else:
            response = getattr(client, method)(path, **kwargs)
        transaction.set_rollback(True)
    return response


def signed_in(role: str, request) -> Client:
    """A client for `role` (a persona fixture's name, "admin" or "anonymous") that
    answers 500 instead of raising, so that a table can go on."""
    from backend.accounts.tokens import issue_token

    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client
    if role == "admin":
        from tests.factories import UserFactory

        user = UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True)
    else:
        user = request.getfixturevalue(role)
    key, _ = issue_token(user, lifetime=None)
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    client.user = user
    return client


@pytest.fixture
def ids(world, official):  # noqa: F811
    """The ids of the world's objects, as strings."""
    from backend.billing.models import BillingRun, Invoice, Tariff
    from backend.collection_events.models import CollectionEvent, Scale
    from backend.disputes.models import Dispute
    from backend.payments.models import Payment, PaymentOrder
    from backend.pickup_requests.models import PickupRequest
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    city = official.municipality
    restaurant = Restaurant.objects.get(district__municipality=city)
    return {
        "restaurant": str(restaurant.id),
        "district": str(restaurant.district_id),
        "bin": str(Bin.objects.get(restaurant=restaurant).id),
        "tag": Tag.objects.get(bin__restaurant=restaurant).code,
        "event": str(CollectionEvent.objects.get(restaurant=restaurant).id),
        "tariff": str(Tariff.objects.get(municipality=city).id),
        "run": str(BillingRun.objects.get(municipality=city).id),
        "invoice": str(Invoice.objects.get(restaurant=restaurant).id),
        "order": str(PaymentOrder.objects.get(invoice__restaurant=restaurant).id),
        "payment": str(Payment.objects.get(restaurant=restaurant).id),
        "dispute": str(Dispute.objects.get(restaurant=restaurant).id),
        "pickup": str(PickupRequest.objects.get(restaurant=restaurant).id),
        "municipality": str(city.id),
        "scale": str(Scale.objects.get(municipality=city).id),
        "hauler": str(Scale.objects.get(municipality=city).hauler_id),
    }


# Writes: (role, method, path, a valid body). Each field of the body is replaced by each
# junk value in turn. `{name}` in a path is one of `ids`.
WRITES = [
    ("anonymous", "post", "/api/v1/auth/token/", {"username": "owner", "password": "wrong"}),
    ("collector", "post", "/api/v1/collections/", None),  # the scan, filled in below
    ("collector", "post", "/api/v1/collections/batch/", None),
    ("official", "post", "/api/v1/collections/{event}/status/", {"status": "void", "reason": "중복"}),
    (
        "official",
        "post",
        "/api/v1/tariffs/",
        {
            "effective_from": "2027-01-01",
            "effective_to": None,
            "price_per_kg_krw": 150,
            "base_fee_per_bin_krw": 0,
            "minimum_charge_krw": 0,
        },
    ),
    ("official", "patch", "/api/v1/tariffs/{tariff}/", {"effective_to": "2027-12-31", "price_per_kg_krw": 140}),
    ("official", "post", "/api/v1/billing/runs/", {"period": "2026-10"}),
    (
        "official",
        "post",
        "/api/v1/restaurants/",
        {
            "name": "새 식당",
            "business_number": "220-81-62517",
            "district": "{district}",
            "address": "서울 마포구",
            "lat": "37.55",
            "lng": "126.92",
            "owner": None,
            "phone": "02-123-4567",
        },
    ),
    ("official", "patch", "/api/v1/restaurants/{restaurant}/", {"name": "새 이름", "lat": "37.5", "owner": "owner"}),
    ("official", "post", "/api/v1/bins/", {"restaurant": "{restaurant}", "capacity_liters": 120, "label": "뒷문"}),
    ("official", "patch", "/api/v1/bins/{bin}/", {"capacity_liters": 80, "label": "앞문"}),
    ("official", "post", "/api/v1/bins/{bin}/tags/", {"reason": "분실"}),
    ("official", "post", "/api/v1/tags/{tag}/revoke/", {"reason": "분실"}),
    ("official", "post", "/api/v1/tags/{tag}/nfc-uid/", {"uid": "04A1B2C3D4E5F6", "sun_enabled": False}),
    ("owner", "post", "/api/v1/payment-orders/", {"invoice": "{invoice}"}),
    ("owner", "post", "/api/v1/disputes/", {"collection": "{event}", "reason": "무게가 이상합니다"}),
    ("official", "post", "/api/v1/disputes/{dispute}/accept/", {"reason": "확인"}),
    ("official", "post", "/api/v1/disputes/{dispute}/reject/", {"reason": "확인"}),
    (
        "owner",
        "post",
        "/api/v1/pickup-requests/",
        {
            "restaurant": "{restaurant}",
            "bin": "{bin}",
            "kind": "extra_pickup",
            "requested_for": "2099-01-02",
            "note": "",
        },
    ),
    ("owner", "post", "/api/v1/pickup-requests/{pickup}/cancel/", {"reason": "취소"}),
    ("official", "post", "/api/v1/pickup-requests/{pickup}/assign/", {"assignee": "collector", "reason": ""}),
    ("official", "post", "/api/v1/pickup-requests/{pickup}/reject/", {"reason": "안 됩니다"}),
    ("collector", "post", "/api/v1/pickup-requests/{pickup}/done/", {"reason": "완료"}),
    (
        "official",
        "post",
        "/api/v1/scales/",
        {"serial": "SC-9", "model": "CAS", "hauler": "{hauler}", "inspected_on": "2026-01-05", "change_reason": "신규"},
    ),
    ("official", "patch", "/api/v1/scales/{scale}/", {"inspected_on": "2026-02-01", "hauler": "{hauler}"}),
]


def scan(ids) -> dict:
    return {
        "id": "0b6f6e4c-3a41-4d1c-9a57-6a6f5b0e9d11",
        "tag": ids["tag"],
        "weight_kg": "12.5",
        "collected_at": "2026-11-28T10:00:00+09:00",
        "source": "nfc",
        "lat": 37.55,
        "lng": 126.92,
        "scale_id": "scale-1",
        "reader_uid": "04A1B2C3",
        "device_id": "truck-7",
    }


def filled(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {key: filled(item, ids) for key, item in value.items()}
    return value


def with_junk(body: dict, field: str, junk: str) -> str:
    """`body` as JSON text with `field` replaced by the raw JSON text `junk`."""
    marker = "__JUNK__"
    return json.dumps({**body, field: marker}).replace(f'"{marker}"', junk)


# Every field gets these; the other junk values take turns, one per field, so that the
# table stays a few hundred requests (scans have tables of their own:
# test_scan_validation.py, test_batch_properties.py).
ALWAYS = ["lone surrogate", "dict", "null"]
TURNS = [name for name in JUNK if name not in ALWAYS]


def write_cases(ids):
    turn = 0
    for role, method, path, body in WRITES:
        path = path.format(**ids)
        if path.endswith("/collections/"):
            body = scan(ids)
        elif path.endswith("/batch/"):
            good = dict(scan(ids), id="5d1c3a2b-0e1f-4a5b-8c7d-000000000001")
            for field in ("reader_uid", "weight_kg", "collected_at"):
                for name in ["lone surrogate", "list", "year 0", "exponent"]:
                    bad = with_junk(scan(ids), field, JUNK[name])
                    text = '{"events": [' + json.dumps(good) + "," + bad + "]}"
                    yield role, method, path, text, f"batch {field}={name}"
            continue
        body = filled(body, ids)
        for field in body:
            for name in [*ALWAYS, TURNS[turn % len(TURNS)]]:
                yield role, method, path, with_junk(body, field, JUNK[name]), f"{field}={name}"
            turn += 1


def run_table(cases, check) -> list[str]:
    failures = []
    for client, method, path, kwargs, label in cases:
        response = send(client, method, path, **kwargs)
        problem = check(response)
        if problem:
            failures.append(f"{method.upper()} {path} [{label}]: {problem}")
    return failures


def test_junk_in_every_field_of_every_write_is_a_4xx_in_the_error_shape(ids, request):
    clients = {}
    cases = []
    for role, method, path, text, label in write_cases(ids):
        client = clients.get(role) or clients.setdefault(role, signed_in(role, request))
        cases.append((client, method, path, {"data": text, "content_type": "application/json"}, label))
    assert len(cases) > 200
    failures = run_table(cases, assert_api_answer)
    assert not failures, "\n".join(failures)


# Lists and their filters: (path, roles, extra queries of its own).
LISTS = [
    ("/api/v1/districts/", ["official", "admin"], []),
    ("/api/v1/restaurants/", ["official", "owner"], ["district=junk", "name=%00", "name=%ED%A0%80"]),
    ("/api/v1/bins/", ["official", "collector"], ["restaurant=junk", "district=%00", "status=%00"]),
    ("/api/v1/bins/{bin}/tags/", ["official"], []),
    ("/api/v1/tags/", ["official", "owner"], ["bin=junk", "status=%00"]),
    (
        "/api/v1/collections/",
        ["collector", "owner", "official"],
        [
            "from=0000-01-01",
            "from=0001-01-01T00:00:00%2B20:00",
            "to=9999-12-31T23:59:59-23:59",
            "from=2026-11-28T10:00:00%2B20:00",
            "to=junk",
            "from=%00",
            "bin=" + NIL_UUID,
            "restaurant=junk",
            "status=%00",
        ],
    ),
    ("/api/v1/tariffs/", ["official", "owner"], []),
    ("/api/v1/scales/", ["official", "admin"], ["serial=%00", "hauler=junk", "hauler=" + NIL_UUID]),
    ("/api/v1/billing/runs/", ["official", "admin"], []),
    (
        "/api/v1/invoices/",
        ["owner", "official"],
        ["period=0001-01", "period=0000-01", "period=9999-13", "period=abc", "period=%00", "restaurant=junk"],
    ),
    ("/api/v1/payment-orders/", ["owner"], []),
    ("/api/v1/payments/", ["owner", "official"], ["invoice=junk", "restaurant=%00"]),
    ("/api/v1/ledger-entries/", ["owner", "official"], ["invoice=junk", "kind=%00", "restaurant=" + NIL_UUID]),
    ("/api/v1/disputes/", ["owner", "official"], ["status=%00", "restaurant=junk"]),
    (
        "/api/v1/pickup-requests/",
        ["owner", "official", "collector"],
        ["requested_for=0000-01-01", "requested_for=99999-01-01", "requested_for=abc", "bin=junk", "kind=%00"],
    ),
]
PAGING = [
    "page=-1",
    "page=0",
    "page=abc",
    "page=%C2%B2",
    "page=99999999999999999999",
    "page_size=10000000",
    "page_size=-5",
    "page_size=abc",
    "cursor=junk",
    "page=1&page=2&page_size=1&page_size=abc",
    "format=xml",
]

REPORTS = ["/api/v1/reports/volume/", "/api/v1/reports/scan-quality/"]
REPORT_QUERIES = [
    "",
    "from=2026-09-01&to=2026-09-30&group=district",
    "from=0000-01-01&to=2026-09-30&group=month",
    "from=0001-01-01&to=9999-12-31&group=month",
    "from=2026-09-30&to=2026-09-01&group=district",
    "from=abc&to=%00&group=district",
    "from=2026-09-01T00:00:00%2B20:00&to=2026-09-30&group=district",
    "from=2026-09-01&to=2026-09-30&group=%ED%A0%80",
    "from=2026-09-01&to=2026-09-30&group=district&municipality=junk",
    "from=2026-09-01&to=2026-09-30&group=district&municipality=" + NIL_UUID,
    "from=2026-09-01&to=2026-09-30&group=district&format=csv",
    "from=0001-01-01&to=0001-01-31&group=month&format=csv",
    "from=2026-09-01&to=2026-09-30&group=district&format=xlsx",
    "from=2026-02-01&to=2026-02-29&group=month&format=xlsx",
    "from=2026-09-01&to=2026-09-30&group=restaurant&page=%C2%B2",
    "from=2026-09-01&to=2026-09-30&group=restaurant&page=%EF%BC%91",
    "from=2026-09-01&to=2026-09-30&group=month&page=%C2%B2&format=csv",
    "from=%D9%A2%D9%A0%D9%A2%D9%A6-09-01&to=2026-09-30&group=month",
]


def test_odd_query_strings_on_every_list_and_report_are_answered_cleanly(ids, request):
    clients = {}

    def client(role):
        return clients.get(role) or clients.setdefault(role, signed_in(role, request))

    cases = []
    for path, roles, own in LISTS:
        path = path.format(**ids)
        for index, query in enumerate(PAGING + own):
            role = roles[index % len(roles)]
            cases.append((client(role), "get", f"{path}?{query}", {}, role))
    for path in REPORTS:
        for index, query in enumerate(REPORT_QUERIES):
            role = ["official", "admin"][index % 2]
            cases.append((client(role), "get", f"{path}?{query}", {}, role))
    assert len(cases) > 150
    failures = run_table(cases, assert_api_answer)
    assert not failures, "\n".join(failures)


DETAILS = [
    "/api/v1/districts/{}/",
    "/api/v1/restaurants/{}/",
    "/api/v1/bins/{}/",
    "/api/v1/bins/{}/tags/",
    "/api/v1/tags/{}/",
    "/api/v1/tags/{}/qr.png",
    "/api/v1/collections/{}/",
    "/api/v1/tariffs/{}/",
    "/api/v1/scales/{}/",
    "/api/v1/billing/runs/{}/",
    "/api/v1/invoices/{}/",
    "/api/v1/invoices/{}/pdf/",
    "/api/v1/payment-orders/{}/",
    "/api/v1/payments/{}/",
    "/api/v1/ledger-entries/{}/",
    "/api/v1/disputes/{}/",
    "/api/v1/pickup-requests/{}/",
]
ODD_IDS = ["not-a-uuid", "%00", "x" * 5000, NIL_UUID, "%ED%A0%80", "..%2F..%2Fetc", "1%20OR%201=1", "%FF%FE"]


def test_odd_path_parameters_are_404s_in_the_error_shape(ids, request):
    official = signed_in("official", request)
    cases = [(official, "get", path.format(odd), {}, odd[:20]) for path in DETAILS for odd in ODD_IDS]
    # Writes on odd ids, too.
    for odd in ODD_IDS[:4]:
        for path in ["/api/v1/collections/{}/status/", "/api/v1/tags/{}/revoke/", "/api/v1/disputes/{}/accept/"]:
            cases.append((official, "post", path.format(odd), {"data": {}, "content_type": "application/json"}, odd))
    failures = run_table(cases, assert_api_answer)
    assert not failures, "\n".join(failures)
    for client, method, path, kwargs, _label in cases[:8]:
        assert send(client, method, path, **kwargs).status_code == 404, path


# Request bodies of every content type a broken client could send: (bytes, content type).
# Sent with `generic`, so that the bytes arrive as they are.
BODIES = {
    "form": (b"reason=x&status=void", "application/x-www-form-urlencoded"),
    "multipart": (
        b'--b\r\nContent-Disposition: form-data; name="reason"\r\n\r\nx\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    "text": (b"reason", "text/plain"),
    "no content type": (b'{"reason": "x"}', ""),
    "empty json": (b"", "application/json"),
    "invalid utf-8": (b'{"reason": "\xff\xfe\xed\xa0\x80"}', "application/json"),
    "latin-1 charset": (b'{"reason": "\xe9"}', "application/json; charset=latin-1"),
    "unknown charset": (b'{"reason": "x"}', "application/json; charset=no-such"),
    "top-level list": (b"[1, 2]", "application/json"),
    "top-level string": (b'"reason"', "application/json"),
    "top-level number": (b"5", "application/json"),
    "truncated": (b'{"reason": ', "application/json"),
    "nul bytes": (b"\x00" * 64, "application/json"),
    "form with junk bytes": (b"reason=%FF%00&status=%ED%A0%80", "application/x-www-form-urlencoded"),
    "multipart without boundary": (b"--x\r\n", "multipart/form-data"),
    "multipart, broken": (b"--b\r\nnot a header\r\n", "multipart/form-data; boundary=b"),
}


CONTENT_TARGETS = [
    ("anonymous", "/api/v1/auth/token/"),
    ("collector", "/api/v1/collections/"),
    ("collector", "/api/v1/collections/batch/"),
    ("official", "/api/v1/collections/{event}/status/"),
    ("official", "/api/v1/tariffs/"),
    ("owner", "/api/v1/pickup-requests/"),
]


def test_wrong_content_types_and_bodies_are_4xx_in_the_error_shape(ids, request):
    cases = []
    for role, path in CONTENT_TARGETS:
        client = signed_in(role, request)
        for kind, (body, content_type) in BODIES.items():
            kwargs = {"http_method": "POST", "data": body, "content_type": content_type}
            cases.append((client, "generic", path.format(**ids), kwargs, kind))
    failures = run_table(cases, assert_api_answer)
    assert not failures, "\n".join(failures)


METHODS = [
    ("anonymous", "get", "/api/v1/auth/token/"),
    ("anonymous", "delete", "/api/v1/auth/token/"),
    ("official", "get", "/api/v1/auth/logout/"),
    ("anonymous", "post", "/api/v1/auth/logout/"),
    ("official", "post", "/api/v1/me/"),
    ("official", "delete", "/api/v1/restaurants/{restaurant}/"),
    ("official", "delete", "/api/v1/bins/{bin}/"),
    ("official", "put", "/api/v1/collections/{event}/"),
    ("official", "delete", "/api/v1/collections/{event}/"),
    ("official", "get", "/api/v1/collections/{event}/status/"),
    ("official", "delete", "/api/v1/billing/runs/{run}/"),
    ("official", "post", "/api/v1/invoices/"),
    ("owner", "delete", "/api/v1/payment-orders/{order}/"),
    ("official", "patch", "/api/v1/disputes/{dispute}/"),
    ("official", "post", "/api/v1/reports/volume/"),
    ("official", "put", "/api/v1/pickup-requests/{pickup}/"),
    ("official", "trace", "/api/v1/districts/"),
    ("anonymous", "head", "/api/v1/districts/"),
    ("official", "head", "/api/v1/invoices/{invoice}/pdf/"),
    ("official", "options", "/api/v1/collections/"),
    ("anonymous", "options", "/api/v1/auth/token/"),
    ("owner", "options", "/api/v1/invoices/{invoice}/"),
    ("official", "get", "/api/v1/schema/"),
    ("anonymous", "get", "/api/v1/schema/"),
]


def test_methods_not_taken_head_and_options_are_answered_cleanly(ids, request):
    clients = {}
    cases = []
    for role, method, path in METHODS:
        client = clients.get(role) or clients.setdefault(role, signed_in(role, request))
        cases.append((client, method, path.format(**ids), {}, role))
    failures = run_table(cases, assert_api_answer)
    assert not failures, "\n".join(failures)


# Regressions, one by one, for what the tables found.


def test_a_lone_surrogate_in_a_choice_or_a_reference_is_a_400_not_a_500(api, official, ids):
    """DRF quotes the value it refuses ('"\\ud800" is not a valid choice.'); a lone
    surrogate cannot be written as UTF-8, so the answer itself failed to render."""
    response = api.as_user(official).post(
        f"/api/v1/collections/{ids['event']}/status/",
        data='{"status": "\\ud800", "reason": "x"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_choice"
    assert "?" in error["fields"]["status"][0]


@pytest.mark.parametrize("period", ["0000-01", "0001-01", "9999-12", "1999-12", "2101-01", "２０２６-10"])
def test_a_period_outside_the_years_billed_is_refused_everywhere(api, official, owner, ids, period):
    response = api.as_user(official).post("/api/v1/billing/runs/", {"period": period}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("invalid_period", "period_out_of_range")
    response = api.as_user(owner).get("/api/v1/invoices/", {"period": period})
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in ("invalid_period", "period_out_of_range")


def test_a_period_of_the_years_billed_is_still_accepted(api, owner, ids):
    response = api.as_user(owner).get("/api/v1/invoices/", {"period": "2026-09"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    response = api.get("/api/v1/invoices/", {"period": "2100-12"})
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize(
    "dates", [{"effective_from": "0001-01-01", "effective_to": "0001-12-31"}, {"effective_from": "9999-01-01"}]
)
def test_a_tariff_outside_the_years_billed_is_refused(api, official, dates):
    response = api.as_user(official).post("/api/v1/tariffs/", {**dates, "price_per_kg_krw": 150}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "date_out_of_range"


@pytest.mark.parametrize("kind,day", [("extra_pickup", "9999-12-31"), ("missed_pickup", "0001-01-01")])
def test_a_pickup_for_a_day_outside_the_years_kept_is_refused(api, owner, restaurant, kind, day):
    response = api.as_user(owner).post(
        "/api/v1/pickup-requests/",
        {"restaurant": str(restaurant.id), "kind": kind, "requested_for": day},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "date_out_of_range"


# The pages: (role, method, path, form data as raw urlencoded bytes or a query string).
# `%ED%A0%80` is a lone surrogate written as UTF-8 bytes, `%FF` a byte no UTF-8 has.
# Digits Python's isdigit() takes and int() refuses ("²") or reads ("１", "٢").
ODD_DIGITS = ["%C2%B2", "%EF%BC%91", "%D9%A2"]
ODD_TEXT = ["", "x" * 100_000, "a%00b", "%ED%A0%80", "%FF%FE", "%E2%80%AE%E2%80%8B", "1e5000", "-1", *ODD_DIGITS]
PAGE_FORMS = [
    ("anonymous", "/login/", ["username={}&password=x", "username=owner&password={}", "username={}&username=b"]),
    ("collector", "/t/{tag}", ["id={}&scanned_at=2026-11-28T10:00&weight_kg=1", "scanned_at={}&weight_kg=1"]),
    ("collector", "/t/{tag}", ["weight_kg={}&scanned_at=2026-11-28T10:00", "exception_code={}"]),
    ("owner", "/billing/invoices/{invoice}/pay/", ["x={}"]),
    ("owner", "/payments/sandbox/{order}/", ["outcome=pay&amount={}", "outcome={}&amount=1"]),
    ("owner", "/disputes/new/{event}/", ["reason={}"]),
    ("official", "/disputes/review/{dispute}/", ["decision={}&reason=x", "decision=accept&reason={}"]),
    ("official", "/disputes/review/held/{event}/", ["decision={}&reason=x"]),
    ("owner", "/pickup-requests/", ["kind={}&target={restaurant}&requested_for=2099-01-02"]),
    ("owner", "/pickup-requests/", ["kind=extra_pickup&target={}&requested_for=2099-01-02"]),
    ("owner", "/pickup-requests/", ["kind=extra_pickup&target={restaurant}&requested_for={}"]),
    ("owner", "/pickup-requests/", ["kind=missed_pickup&target={restaurant}/{bin}&requested_for={}&note={}"]),
    ("owner", "/pickup-requests/{pickup}/cancel/", ["reason={}"]),
    ("collector", "/pickup-requests/{pickup}/done/", ["reason={}"]),
    ("official", "/pickup-requests/review/{pickup}/", ["decision=assign&hauler={}", "decision={}&reason={}"]),
    ("official", "/console/tariffs/", ["effective_from={}&price_per_kg_krw=1&change_reason=x"]),
    ("official", "/console/tariffs/", ["effective_from=2030-01-01&price_per_kg_krw={}&change_reason={}"]),
    ("official", "/console/tariffs/{tariff}/close/", ["effective_to={}&change_reason={}"]),
    ("official", "/console/billing/", ["period={}"]),
    ("official", "/console/scales/", ["serial={}&hauler={hauler}&inspected_on=2026-01-05&change_reason=x"]),
    ("official", "/console/scales/", ["serial=S1&hauler={}&inspected_on={}&change_reason={}"]),
    ("official", "/console/scales/{scale}/", ["model={}&hauler={hauler}&inspected_on={}&change_reason=x"]),
]
DATE_FIELDS = ["requested_for", "effective_from", "effective_to", "inspected_on", "period"]
PAGE_DATES = ["0000-01-01", "0001-01-01", "9999-12-31", "2026-02-30", "99999-01-01"]
PAGE_QUERIES = [
    ("official", "/reports/", ["from={}&to=2026-09-30", "from=2026-09-01&to={}", "municipality={}"]),
    ("official", "/reports/", ["group=restaurant&page={}", "group=month&page={}"]),
    ("admin", "/reports/", ["municipality={}&from={}&to={}"]),
    ("anonymous", "/open-data/", ["municipality={}&from={}&to={}", "from={}&to=2026-01"]),
    ("collector", "/stops/", ["day={}"]),
    ("owner", "/billing/invoices/", ["page={}&period={}"]),
    ("owner", "/billing/invoices/{invoice}/", ["format={}"]),
    ("owner", "/disputes/", ["page={}"]),
    ("official", "/disputes/review/", ["page={}"]),
    ("owner", "/pickup-requests/", ["status={}"]),
    ("official", "/pickup-requests/review/", ["page={}"]),
    ("anonymous", "/login/", ["next={}", "next=https://evil.example/&x={}"]),
    ("anonymous", "/t/{tag}", ["picc_data={}&cmac={}"]),
    ("owner", "/", ["page={}"]),
    ("official", "/console/weighings/", ["scale={}&from={}&to={}", "page={}"]),
    ("official", "/console/tariffs/", ["page={}"]),
    ("official", "/console/billing/", ["page={}"]),
]
ODD_PAGE_PATHS = [
    "/t/%00",
    "/t/" + "a" * 5000,
    "/t/%ED%A0%80",
    "/t/%FF",
    "/billing/invoices/not-a-uuid/",
    f"/billing/invoices/{NIL_UUID}/",
    f"/payments/receipts/{NIL_UUID}/",
    f"/payments/sandbox/{NIL_UUID}/",
    f"/disputes/new/{NIL_UUID}/",
    "/payments/callback/%00/",
    "/payments/callback/" + "x" * 5000 + "/",
]


def page_client(role: str, request) -> Client:
    client = Client(raise_request_exception=False)
    if role == "admin":
        from tests.factories import UserFactory

        client.force_login(UserFactory(username="admin", role="admin", is_staff=True, is_superuser=True))
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def fill(template: str, value: str, ids: dict) -> str:
    """`template` with each `{}` replaced by `value` and each `{name}` by an id."""
    return template.replace("{}", value).format(**ids)


def test_junk_in_every_form_and_query_of_the_pages_is_answered_with_a_page(ids, request):
    clients = {}

    def client(role):
        return clients.get(role) or clients.setdefault(role, page_client(role, request))

    cases = []
    for role, path, forms in PAGE_FORMS:
        for template in forms:
            values = ODD_TEXT + (PAGE_DATES if any(f"{name}={{}}" in template for name in DATE_FIELDS) else [])
            for value in values:
                body = fill(template, value, ids).encode("ascii")
                kwargs = {"http_method": "POST", "data": body, "content_type": "application/x-www-form-urlencoded"}
                cases.append((client(role), "generic", path.format(**ids), kwargs, f"{role} {template} {value[:12]}"))
    for role, path, queries in PAGE_QUERIES:
        for template in queries:
            for value in ODD_TEXT[1:] + PAGE_DATES[:3] + ["junk", NIL_UUID]:
                cases.append((client(role), "get", f"{path.format(**ids)}?{fill(template, value, ids)}", {}, role))
    for path in ODD_PAGE_PATHS:
        cases.append((client("owner"), "get", path, {}, "owner"))
        cases.append((client("anonymous"), "post", path, {"data": {"x": "1"}}, "anonymous"))
    # POST-only pages asked with GET; GET-only pages asked with PUT.
    for path in [
        "/billing/invoices/{invoice}/pay/",
        "/pickup-requests/{pickup}/cancel/",
        "/disputes/review/{dispute}/",
    ]:
        cases.append((client("owner"), "get", path.format(**ids), {}, "GET on a form action"))
    for path in ["/stops/", "/reports/", "/billing/invoices/"]:
        cases.append((client("official"), "put", path, {"data": "x"}, "PUT on a page"))
    assert len(cases) > 250
    failures = run_table(cases, assert_page_answer)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "role,path,field",
    [
        ("owner", "/disputes/new/{event}/", "reason"),
        ("official", "/disputes/review/{dispute}/", "reason"),
        ("official", "/disputes/review/held/{event}/", "reason"),
        ("owner", "/pickup-requests/{pickup}/cancel/", "reason"),
        ("collector", "/pickup-requests/{pickup}/done/", "reason"),
        ("official", "/pickup-requests/review/{pickup}/", "reason"),
    ],
)
@pytest.mark.parametrize(
    "text,shown",
    [
        ("a\x00b", "입력할 수 없는 문자가 있습니다."),
        ("x" * 5000, "자 이내로 입력해 주세요."),
    ],
)
def test_a_reason_posted_from_a_page_with_a_nul_or_too_long_is_refused_with_a_message(
    ids, request, role, path, field, text, shown
):
    """Pages pass what the form posted to the domain as it is: a NUL reached PostgreSQL
    (a 500), and a reason of any length was stored."""

    from django.utils import timezone

    from backend.accounts.models import User
    from backend.disputes.models import Dispute

    if path == "/disputes/new/{event}/":  # the world's dispute, decided: the pickup takes a new one
        Dispute.objects.filter(id=ids["dispute"]).update(
            status="rejected",
            decided_by=User.objects.filter(role="official").first(),
            decided_at=timezone.now(),
            decision_reason="확인 완료",
        )
    client = page_client(role, request)
    client.raise_request_exception = True
    decision = {"/disputes/review/held/{event}/": "void"}.get(path, "reject" if "review" in path else "")
    data = {field: text, "decision": decision}
    response = client.post(path.format(**ids), data, follow=True)
    assert response.status_code == 200
    assert shown in response.content.decode()


def test_a_dispute_reason_of_a_megabyte_is_refused_by_the_api(api, owner, f, tag, collector):
    event = f.CollectionEventFactory(tag=tag, collector=collector)
    response = api.as_user(owner).post(
        "/api/v1/disputes/", {"collection": str(event.id), "reason": "x" * 1_000_000}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("max_length", "text_too_long")


def test_line_breaks_in_a_reason_are_kept(api, owner, f, tag, collector):
    event = f.CollectionEventFactory(tag=tag, collector=collector)
    response = api.as_user(owner).post(
        "/api/v1/disputes/", {"collection": str(event.id), "reason": " 첫째 줄\n둘째 줄\t끝 "}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["reason"] == "첫째 줄\n둘째 줄\t끝"


# Our objects, asked for by id by those of another municipality (or another of our
# owners' peers): never found, whatever the method. (method, path, body)
OURS = [
    ("get", "/api/v1/restaurants/{restaurant}/", None),
    ("patch", "/api/v1/restaurants/{restaurant}/", {"name": "뺏김"}),
    ("get", "/api/v1/bins/{bin}/", None),
    ("post", "/api/v1/bins/{bin}/retire/", {}),
    ("get", "/api/v1/bins/{bin}/tags/", None),
    ("post", "/api/v1/bins/{bin}/tags/", {"reason": "x"}),
    ("get", "/api/v1/tags/{tag}/", None),
    ("get", "/api/v1/tags/{tag}/qr.png", None),
    ("post", "/api/v1/tags/{tag}/revoke/", {"reason": "x"}),
    ("post", "/api/v1/tags/{tag}/nfc-uid/", {"uid": "04A1B2C3"}),
    ("get", "/api/v1/collections/{event}/", None),
    ("post", "/api/v1/collections/{event}/status/", {"status": "void", "reason": "x"}),
    ("get", "/api/v1/tariffs/{tariff}/", None),
    ("patch", "/api/v1/tariffs/{tariff}/", {"price_per_kg_krw": 1}),
    ("delete", "/api/v1/tariffs/{tariff}/", None),
    ("get", "/api/v1/billing/runs/{run}/", None),
    ("get", "/api/v1/scales/{scale}/", None),
    ("patch", "/api/v1/scales/{scale}/", {"model": "x"}),
    ("post", "/api/v1/scales/", {"serial": "X-1", "hauler": "{hauler}", "inspected_on": "2026-01-05"}),
    ("get", "/api/v1/invoices/{invoice}/", None),
    ("get", "/api/v1/invoices/{invoice}/pdf/", None),
    ("get", "/api/v1/payment-orders/{order}/", None),
    ("post", "/api/v1/payment-orders/", {"invoice": "{invoice}"}),
    ("get", "/api/v1/payments/{payment}/", None),
    ("get", "/api/v1/disputes/{dispute}/", None),
    ("post", "/api/v1/disputes/", {"collection": "{event}", "reason": "x"}),
    ("post", "/api/v1/disputes/{dispute}/accept/", {"reason": "x"}),
    ("post", "/api/v1/disputes/{dispute}/reject/", {"reason": "x"}),
    ("get", "/api/v1/pickup-requests/{pickup}/", None),
    ("post", "/api/v1/pickup-requests/", {"restaurant": "{restaurant}", "kind": "extra_pickup"}),
    ("post", "/api/v1/pickup-requests/{pickup}/cancel/", {}),
    ("post", "/api/v1/pickup-requests/{pickup}/assign/", {}),
    ("post", "/api/v1/pickup-requests/{pickup}/reject/", {"reason": "x"}),
    ("post", "/api/v1/pickup-requests/{pickup}/done/", {}),
    ("get", "/api/v1/reports/volume/?from=2026-09-01&to=2026-09-30&group=district&municipality={municipality}", None),
]
OUR_PAGES = [
    ("get", "/billing/invoices/{invoice}/"),
    ("post", "/billing/invoices/{invoice}/pay/"),
    ("get", "/payments/sandbox/{order}/"),
    ("post", "/payments/sandbox/{order}/"),
    ("get", "/payments/receipts/{payment}/"),
    ("get", "/disputes/new/{event}/"),
    ("post", "/disputes/new/{event}/"),
    ("post", "/disputes/review/{dispute}/"),
    ("post", "/disputes/review/held/{event}/"),
    ("post", "/pickup-requests/{pickup}/cancel/"),
    ("post", "/pickup-requests/{pickup}/done/"),
    ("post", "/pickup-requests/review/{pickup}/"),
    ("get", "/console/tariffs/{tariff}/"),
    ("post", "/console/tariffs/{tariff}/close/"),
    ("get", "/console/billing/runs/{run}/"),
    ("get", "/console/scales/{scale}/"),
    ("post", "/console/scales/{scale}/"),
]


@pytest.mark.parametrize("outsider", ["stranger", "other_owner", "other_collector"])
def test_outsiders_cannot_read_or_change_our_objects_by_id(ids, request, outsider):
    """Refused, and answered exactly as for an id that does not exist: nothing tells an
    outsider what is ours (a 403 for a role that may never do this is the same for
    every id)."""
    import uuid

    unknown = {name: str(uuid.uuid4()) for name in ids} | {"tag": "a" * 16}
    client = signed_in(outsider, request)
    page = page_client(outsider, request)
    failures = []

    def answer(method, path, body, names):
        kwargs = {} if body is None else {"data": json.dumps(filled(body, names)), "content_type": "application/json"}
        response = send(client, method, path.format(**names), **kwargs)
        code = response.json()["error"]["code"] if response.status_code >= 400 and method != "head" else None
        return response.status_code, code, assert_api_answer(response)

    for method, path, body in OURS:
        ours, theirs = answer(method, path, body, ids), answer(method, path, body, unknown)
        if ours[0] not in (400, 403, 404) or ours != theirs:
            failures.append(f"{method.upper()} {path}: ours {ours}, unknown {theirs}")
    for method, path in OUR_PAGES:
        kwargs = {"data": {"reason": "x"}} if method == "post" else {}
        ours = send(page, method, path.format(**ids), **kwargs).status_code
        theirs = send(page, method, path.format(**unknown), **kwargs).status_code
        if ours not in (403, 404) or ours != theirs:
            failures.append(f"page {method.upper()} {path}: ours {ours}, unknown {theirs}")
    assert not failures, "\n".join(failures)
    # Nothing changed hands.
    from backend.disputes.models import Dispute
    from backend.tags.models import Tag

    assert Tag.objects.get(code=ids["tag"]).is_active
    assert Dispute.objects.get(id=ids["dispute"]).status == "open"


def test_logging_out_revokes_only_the_token_it_was_signed_with(request):
    """Another person's token is not revoked by anyone's logout (there is no id to pass)."""
    ours = signed_in("owner", request)
    theirs = signed_in("other_owner", request)
    assert theirs.post("/api/v1/auth/logout/").status_code == 204
    assert ours.get("/api/v1/me/").status_code == 200
    response = theirs.get("/api/v1/me/")
    assert response.status_code == 401 and assert_api_answer(response) is None


def test_junk_sign_ins_count_against_the_address_and_are_answered_429_with_retry_after(settings):
    """Wrong types, a forged X-Forwarded-For and a new name each time gain an attacker
    nothing: the address's budget is spent all the same, and the refusal says when to
    come back, in the error shape (the API) or on the page."""
    settings.LOGIN_RATE_PER_ADDRESS = "4/min"
    api, page = Client(), Client()
    junk = [{"username": ["owner"], "password": "x"}, {"username": "a\x00", "password": {}}, {"username": 5}]
    for number, body in enumerate(junk):
        response = api.post(
            "/api/v1/auth/token/",
            json.dumps(body),
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{number}",
        )
        assert response.status_code == 400 and assert_api_answer(response) is None
    page.post("/login/", {"username": "someone", "password": "x"}, HTTP_X_FORWARDED_FOR="10.9.9.9")
    refused = api.post(
        "/api/v1/auth/token/",
        {"username": "x", "password": "y"},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert refused.status_code == 429 and assert_api_answer(refused) is None
    assert refused.json()["error"]["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60
    refused = page.post("/login/", {"username": "other", "password": "x"}, HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("number", ['"1_0"', '" 10 "', '"１０"', "true", "10.0", '"1e1"', '"0x10"'])
def test_a_price_or_a_capacity_is_a_plain_integer(api, official, restaurant, number):
    """Python's int() reads all of these; a tariff of "1_0" was stored as 10 KRW a kilogram."""
    client = api.as_user(official)
    body = with_junk({"effective_from": "2030-01-01"}, "price_per_kg_krw", number)
    response = client.post("/api/v1/tariffs/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {"price_per_kg_krw"}
    body = with_junk({"restaurant": str(restaurant.id), "label": "뒷문"}, "capacity_liters", number)
    response = client.post("/api/v1/bins/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]["fields"]) == {"capacity_liters"}


def test_a_price_as_digits_in_a_string_or_a_number_is_taken(api, official):
    client = api.as_user(official)
    response = client.post(
        "/api/v1/tariffs/", {"effective_from": "2030-01-01", "price_per_kg_krw": "150"}, format="json"
    )
    assert response.status_code == 201 and response.json()["price_per_kg_krw"] == 150
    response = client.patch(f"/api/v1/tariffs/{response.json()['id']}/", {"price_per_kg_krw": 160}, format="json")
    assert response.status_code == 200 and response.json()["price_per_kg_krw"] == 160


def test_the_weighings_page_with_a_nul_in_the_serial_shows_no_weighings(client, official, world):  # noqa: F811
    client.force_login(official)
    response = client.get("/console/weighings/", {"scale": "MAPO-7\x00"})
    assert response.status_code == 200
    assert client.get("/console/weighings/", {"scale": "MAPO-7"}).status_code == 200


def test_a_stranger_cannot_tell_whether_a_hauler_id_is_ours(api, stranger, collector):
    """Registering a scale with our hauler's id is answered as with an id that does not exist."""
    import uuid

    client = api.as_user(stranger)
    answers = [
        client.post(
            "/api/v1/scales/", {"serial": "X-1", "hauler": str(hauler), "inspected_on": "2026-01-05"}, format="json"
        )
        for hauler in (collector.hauler_id, uuid.uuid4())
    ]
    assert [a.status_code for a in answers] == [400, 400]
    ours, unknown = (answer.json()["error"] for answer in answers)
    assert (ours["code"], ours["message"], set(ours["fields"])) == (
        unknown["code"],
        unknown["message"],
        set(unknown["fields"]),
    )
    assert answers[0].json()["error"]["code"] == "does_not_exist"
