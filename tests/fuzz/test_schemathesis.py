"""Every operation of the API, fuzzed from its own OpenAPI schema, as each role.

For every operation schemathesis first sends its coverage cases (each parameter and
body property at its bounds, missing, and with each wrong type), then seeded random
cases, valid and invalid, to the app in-process (WSGI), on a world with one of
everything (the permission matrix's `world`, plus an administrator); half the cases
name a row that exists. Every answer must be no server error, with a documented
status code, a documented content type and a body that matches the schema.
Deterministic and bounded: the same cases every run, about three minutes in all.

On a failure the test lists each distinct finding (operation, check, status) with a
request to reproduce it.
"""

import itertools
import os
import time
from collections import defaultdict

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import NO_FEEDBACK
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.test_permission_matrix import world  # noqa: F401  (a fixture)

ROLES = ["official", "collector", "owner", "admin", "anonymous"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Cases per operation, per role and generation mode: the whole run stays within ~3 minutes.
MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", 4))
MAX_COVERAGE_CASES = int(os.environ.get("FUZZ_MAX_COVERAGE", 25))


pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(900)]


@pytest.fixture
def app(monkeypatch, settings, tmp_path):
    """The WSGI app, as production serves it, sharing the test's database transaction.

    Without throttles: thousands of requests a minute would be answered 429 (documented
    on every operation, so not a failure, but no longer fuzzing the operation)."""
    from django.core import signals
    from django.core.cache import cache
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections
    from rest_framework.views import APIView

    monkeypatch.setattr(APIView, "get_throttles", lambda view: [])
    cache.clear()
    settings.MEDIA_ROOT = str(tmp_path / "media")  # photos the fuzzer manages to upload
    # As Django's test client does: the connection holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin(f):
    return f.UserFactory(username="admin", role="admin")


def known_path_parameters(world_objects) -> dict[str, dict[str, str]]:
    """Path parameters of rows that exist, by path prefix, so that half the cases reach a real row."""
    from backend.billing.models import BillingRun, Invoice, Tariff
    from backend.collection_events.models import CollectionEvent
    from backend.disputes.models import Dispute
    from backend.municipalities.models import District
    from backend.notifications.models import Notice
    from backend.payments.models import Payment, PaymentOrder
    from backend.pickup_requests.models import PickupRequest
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    first = {
        "/api/v1/districts/": District,
        "/api/v1/restaurants/": Restaurant,
        "/api/v1/bins/": Bin,
        "/api/v1/collections/": CollectionEvent,
        "/api/v1/tariffs/": Tariff,
        "/api/v1/billing/runs/": BillingRun,
        "/api/v1/invoices/": Invoice,
        "/api/v1/payment-orders/": PaymentOrder,
        "/api/v1/payments/": Payment,
        "/api/v1/disputes/": Dispute,
        "/api/v1/pickup-requests/": PickupRequest,
        "/api/v1/notices/": Notice,
    }
    known = {prefix: {"id": str(model.objects.order_by("pk").first().pk)} for prefix, model in first.items()}
    from backend.billing.models import LedgerEntry

    known["/api/v1/ledger-entries/"] = {"id": str(LedgerEntry.objects.order_by("pk").first().pk)}
    known["/api/v1/tags/"] = {"code": Tag.objects.order_by("issued_at").first().code}
    known["/api/v1/bins/{bin_pk}/tags/"] = {"bin_pk": world_objects["bin-tags"]["bin_pk"]}
    return known


def parameters_for(path: str, known: dict[str, dict[str, str]]) -> dict[str, str]:
    if "{bin_pk}" in path:
        return known["/api/v1/bins/{bin_pk}/tags/"]
    if "{event_id}" in path:  # a scan's photo
        return {"event_id": known["/api/v1/collections/"]["id"]}
    if "{restaurant_pk}" in path:
        return {"restaurant_pk": known["/api/v1/restaurants/"]["id"]}
    for prefix, parameters in known.items():
        if path.startswith(prefix) and "{" in path:
            return parameters
    return {}


def authorization_for(api, user) -> dict[str, str]:
    """The header the suite's own API client signs the user's requests with (tests/conftest.py)."""
    if user is None:
        return {}
    return {"Authorization": api.as_user(user)._credentials["HTTP_AUTHORIZATION"]}


def fuzz_operation(operation, headers, real_parameters, findings, counts):
    """Runs the operation's cases; records each failing check once, with the first request that showed it."""
    strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
    cases = st.one_of(strategies)
    if real_parameters:
        cases = st.tuples(cases, st.booleans()).map(lambda pair: with_parameters(*pair, real_parameters))

    def check(case):
        counts[operation.label] += 1
        response = case.call(headers=headers)
        if os.environ.get("FUZZ_VERBOSE"):
            print(case.method, case.formatted_path, response.status_code, str(case.body)[:200])
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (operation.label, failure.title)
                if key not in findings:
                    findings[key] = f"{failure.message[:300]}\n    {case.as_curl_command(headers=headers)[:600]}"
        except AssertionError as error:
            findings.setdefault((operation.label, type(error).__name__), str(error)[:600])

    # Coverage: each parameter and property at its bounds and with each wrong type, deterministically.
    coverage = CoverageGenerator(
        operation=operation,
        generation_modes=list(GenerationMode),
        generation_config=operation.schema.config.generation_for(operation=operation, phase="coverage"),
        auth_storage=None,
        override=Override(),
        feedback=NO_FEEDBACK,
    )
    for case in itertools.islice(coverage, MAX_COVERAGE_CASES):
        if real_parameters and counts[operation.label] % 2:
            case.path_parameters = {**(case.path_parameters or {}), **real_parameters}
        check(case)

    # Fuzzing: random cases, seeded.
    @seed(7)
    @settings(
        max_examples=MAX_EXAMPLES * len(strategies),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=cases)
    def run(case):
        check(case)

    run()


def with_parameters(case, use_real, real_parameters):
    if use_real:
        case.path_parameters = {**(case.path_parameters or {}), **real_parameters}
    return case


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error_and_every_answer_as_documented(role, world, app, admin, api, request):  # noqa: F811
    user = None if role == "anonymous" else request.getfixturevalue(role)
    headers = authorization_for(api, user)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app)
    known = known_path_parameters(world)
    findings: dict[tuple[str, str], str] = {}
    counts: dict[str, int] = defaultdict(int)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    only = os.environ.get("FUZZ_OPERATIONS", "")  # e.g. "collections" while working on one resource
    for operation in operations:
        if only not in operation.label:
            continue
        fuzz_operation(operation, headers, parameters_for(operation.path, known), findings, counts)
    took = time.monotonic() - started
    print(f"\n{role}: {len(counts)} operations, {sum(counts.values())} cases in {took:.0f} s")
    assert not findings, "\n".join(f"{label} · {title}: {detail}" for (label, title), detail in findings.items())
