"""Every route of the API router, tried by every persona that should not get in.

The routes come from the router itself (backend/config/api_urls.py), so a new
endpoint is covered the day it is registered: it needs an in-scope object reachable
through its own queryset (see `world`), or this test fails and says so.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from backend.config.api_urls import router

# (basename, action, role) pairs where a write is the role's job, not a leak.
ALLOWED_WRITES = {
    ("collection", "create", "collector"),
    ("collection", "batch", "collector"),
    ("payment-order", "create", "owner"),
    ("payment-order", "confirm", "owner"),  # the owner's app confirms on the gateway's return
    ("dispute", "create", "owner"),
    ("pickup-request", "create", "owner"),
    ("pickup-request", "cancel", "owner"),
    ("pickup-request", "done", "collector"),
    ("handover", "create", "owner"),
    ("restaurant-ledger", "top_up", "owner"),
    ("restaurant-ledger", "refund_requests", "owner"),
}
OUTSIDERS = ["stranger", "other_owner", "other_collector"]
# What belongs to the deployment rather than to one municipality, and every official reads:
# the payment gateway's shop is the deployment's, so is its daily settlement check
# (docs/billing.md, "Reconciliation"). Owners and crews elsewhere still see none of it.
SHARED_BY_OFFICIALS = {"settlement-check"}


def registered_routes():
    return [pytest.param(basename, viewset, id=basename) for _prefix, viewset, basename in router.registry]


@pytest.fixture
def world(f, official, collector, owner, restaurant, bin, tag, stranger, other_owner, other_collector, client):
    """One of everything in the officials' municipality, reachable by its owner: a
    scan, a tariff, last month's run and invoice, a payment, a dispute, a pickup request,
    a crew's scale; a register import previewed by the official; an invitation; a
    notice to the official."""
    from backend.billing.models import Invoice
    from backend.disputes.services import raise_dispute
    from backend.payments.services import create_payment_order
    from tests.billing.conftest import seoul
    from tests.payments.test_payments import callback

    bin.__class__.objects.filter(id=bin.id).update(created_at=seoul(2025, 1, 1))
    from backend.billing.models import Tariff
    from backend.billing.periods import Period
    from backend.billing.runs import execute_billing_run, start_billing_run

    Tariff.objects.create(
        municipality=official.municipality, effective_from=seoul(2026, 1, 1).date(), price_per_kg_krw=130
    )
    event = f.CollectionEventFactory(tag=tag, collector=collector, collected_at=seoul(2026, 9, 3, 5), weight_g=50_000)
    run = start_billing_run(municipality=official.municipality, period=Period.parse("2026-09"), requested_by=official)
    execute_billing_run(run_id=run.id)
    order = create_payment_order(invoice=Invoice.objects.get(), by=owner)
    assert callback(client, order, amount=1000).status_code == 200
    raise_dispute(event=event, by=owner, reason="무게가 너무 많이 나왔습니다", now=event.collected_at)
    from django.utils import timezone

    from backend.pickup_requests.services import request_pickup

    request_pickup(
        restaurant=restaurant,
        bin=bin,
        kind="extra_pickup",
        requested_for=timezone.localdate(timezone=restaurant.municipality.zone) + timedelta(days=7),
        by=owner,
    )
    from backend.collection_events.models import Scale

    Scale.objects.create(
        municipality=official.municipality,
        hauler=collector.hauler,
        serial="MAPO-7",
        inspected_on=seoul(2026, 3, 1).date(),
    )
    from backend.registers.services import preview_register
    from tests.registers.register_files import csv_bytes, row

    preview_register(by=official, file_name="register.csv", content=csv_bytes([row(1)]))
    from backend.people.services import invite_crew

    invite_crew(by=official, hauler=collector.hauler, phone="010-1111-2222")
    f.NoticeFactory(recipient=official, kind="password_reset")  # officials have a notice centre too
    from backend.handovers.services import report_handover

    report_handover(by=owner, restaurant=restaurant, kind="closing", proposed_on=seoul(2026, 11, 30).date())
    from backend.open311.services import issue_api_key

    issue_api_key(municipality_id=official.municipality_id, app_name="민원 시스템", by=official)
    from backend.payments.models import SettlementCheck

    SettlementCheck.objects.create(provider="toss", day=seoul(2026, 11, 29).date(), provider_lines=1, our_lines=1)
    return {"bin-tags": {"bin_pk": str(bin.id)}, "restaurant-ledger": {"restaurant_pk": str(restaurant.id)}}


def in_scope_object(viewset, user, kwargs):
    view = viewset(action="list", kwargs=kwargs, format_kwarg=None)
    view.request = Request(APIRequestFactory().get("/"))
    view.request.user = user
    obj = view.get_queryset().first()
    assert obj is not None, f"{viewset.__name__}: add an in-scope object to the `world` fixture"
    return getattr(obj, viewset.lookup_field or "pk")


def list_url(basename, kwargs):
    return reverse(f"v1:{basename}-list", kwargs=kwargs)


def detail_url(basename, kwargs, lookup, viewset):
    return reverse(f"v1:{basename}-detail", kwargs={**kwargs, viewset.lookup_url_kwarg or viewset.lookup_field: lookup})


def has_route(basename, suffix):
    return any(getattr(p, "name", None) == f"{basename}-{suffix}" for p in router.urls)


@pytest.mark.parametrize("basename,viewset", registered_routes())
@pytest.mark.parametrize("outsider", OUTSIDERS)
def test_outsiders_neither_list_nor_open_what_is_not_theirs(api, world, official, basename, viewset, outsider, request):
    kwargs = world.get(basename, {})
    lookup = in_scope_object(viewset, official, kwargs)
    if basename in SHARED_BY_OFFICIALS and outsider == "stranger":
        pytest.skip("read by every official of the deployment")
    client = api.as_user(request.getfixturevalue(outsider))

    refused_outright = False
    if has_route(basename, "list"):
        response = client.get(list_url(basename, kwargs))
        # 403: a list only officials read (the settlement checks) refuses owners and crews outright.
        assert response.status_code in (200, 403, 404), response.content
        refused_outright = response.status_code == 403
        if response.status_code == 200:
            body = response.json()
            rows = body["results"] if isinstance(body, dict) else body
            assert str(lookup) not in response.content.decode(), f"{outsider} sees {basename} {lookup}"
            assert isinstance(rows, list)
    if has_route(basename, "detail"):
        response = client.get(detail_url(basename, kwargs, lookup, viewset))
        if refused_outright:  # the same 403 for any id: it tells nothing of ours
            assert response.status_code == 403, (basename, outsider, response.status_code)
            return
        assert response.status_code == 404, (basename, outsider, response.status_code)
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("basename,viewset", registered_routes())
def test_anonymous_is_asked_to_sign_in_everywhere(api, world, official, basename, viewset):
    kwargs = world.get(basename, {})
    lookup = in_scope_object(viewset, official, kwargs)
    urls = []
    if has_route(basename, "list"):
        urls.append(list_url(basename, kwargs))
    if has_route(basename, "detail"):
        urls.append(detail_url(basename, kwargs, lookup, viewset))
    for url in urls:
        response = api.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "not_authenticated"


def write_routes():
    """Every write the router maps, with each role that must not make it.

    Same-municipality roles are refused every write that is not their job; outsiders
    are refused every write on our objects (creating in their own municipality is
    their job, tested per resource)."""
    params = []
    for _prefix, viewset, basename in router.registry:
        for route in router.get_routes(viewset):
            for method, action in route.mapping.items():
                if method in ("get", "head", "options") or not hasattr(viewset, action):
                    continue
                suffix = route.name.replace("{basename}-", "")
                for role in ["owner", "collector", *(["stranger", "other_owner"] if route.detail else [])]:
                    if (basename, action, role) not in ALLOWED_WRITES:
                        params.append(
                            pytest.param(
                                basename,
                                viewset,
                                action,
                                suffix,
                                method,
                                route.detail,
                                role,
                                id=f"{basename}-{action}-{method}-{role}",
                            )
                        )
    return params


@pytest.mark.parametrize("basename,viewset,action,suffix,method,detail,role", write_routes())
def test_writes_are_refused_to_roles_whose_job_they_are_not(
    api, world, official, basename, viewset, action, suffix, method, detail, role, request
):
    kwargs = dict(world.get(basename, {}))
    if detail:
        kwargs[viewset.lookup_url_kwarg or viewset.lookup_field] = in_scope_object(
            viewset, official, world.get(basename, {})
        )
    url = reverse(f"v1:{basename}-{suffix}", kwargs=kwargs)
    response = getattr(api.as_user(request.getfixturevalue(role)), method)(url, {}, format="json")
    assert response.status_code in (403, 404, 405), (url, role, response.status_code, response.content[:200])
