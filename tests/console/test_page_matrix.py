"""Every officials' page (each URL under /console/, /registers/ and /reports/, read from the URL
resolver so a new page is covered the day it is added), tried by everyone who must not
get in: owners and crews (of this municipality or another) are refused, another
municipality's official finds none of our objects. A page whose URL names an object
this test cannot make fails here and says so: add the object to `ids`."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

PREFIXES = ("console/", "registers/", "reports/")
OWNERS_AND_CREWS = ["owner", "collector", "other_owner", "other_collector"]
# A GET on an action that only takes POST answers 405 whoever asks and whatever the id:
# it tells nothing and does nothing. The POST is what is checked there.
REFUSED = {"get": (403, 404, 405), "post": (403, 404)}
NOT_FOUND = {"get": (404, 405), "post": (404,)}


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def officials_pages() -> list[str]:
    return sorted({route for route in _walk(get_resolver().url_patterns) if route.startswith(PREFIXES)})


def _url(route: str, ids: dict) -> str:
    import re

    def fill(match):
        name = match.group(2)
        assert name in ids, f"/{route}: no object for <{name}> in this test's `ids`"
        return str(ids[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


@pytest.fixture
def ids(f, official, collector, owner, restaurant, bin, tag, settings, tmp_path):
    """One object of each kind an officials' page names, in the official's municipality."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    from datetime import date

    from backend.billing.models import Tariff
    from backend.billing.periods import Period
    from backend.billing.runs import start_billing_run
    from backend.collection_events.models import Scale
    from backend.registers.services import preview_register
    from backend.tags import label_sheets
    from backend.tags.services import report_tag_problem
    from tests.registers.register_files import csv_bytes, row

    tariff = Tariff.objects.create(
        municipality=official.municipality, effective_from=date(2026, 1, 1), price_per_kg_krw=130
    )
    run = start_billing_run(municipality=official.municipality, period=Period.parse("2026-09"), requested_by=official)
    scale = Scale.objects.create(
        municipality=official.municipality, hauler=collector.hauler, serial="MAPO-7", inspected_on=date(2026, 3, 1)
    )
    register_import = preview_register(by=official, file_name="register.csv", content=csv_bytes([row(1)]))
    from backend.billing import ledger
    from backend.billing.models import EntryKind
    from backend.payments.services import request_refund

    ledger.post(
        restaurant_id=restaurant.id,
        owner_id=restaurant.owner_id,
        kind=EntryKind.TOP_UP,
        amount_krw=-5000,
        source_id="matrix",
    )
    refund = request_refund(restaurant=restaurant, amount_krw=5000, bank_account="국민 1", by=owner)
    sheet = label_sheets.request_label_sheet(
        municipality_id=official.municipality_id, requested_by=official, tags=tag.__class__.objects.filter(pk=tag.pk)
    )
    from backend.handovers.services import report_handover
    from backend.open311.services import issue_api_key
    from backend.payments.events import CallbackEvent
    from backend.payments.services import create_top_up_order, record_callback

    top_up = create_top_up_order(restaurant=restaurant, amount_krw=10_000, by=owner)
    payment = record_callback(
        provider_name=top_up.provider,
        event=CallbackEvent(
            order_id=str(top_up.id), transaction_id="matrix-1", succeeded=True, amount_krw=10_000, paid_at=None
        ),
    )

    handover = report_handover(by=owner, restaurant=restaurant, kind="closing", proposed_on=date(2026, 11, 30))
    from backend.notifications.models import NoticeDelivery

    undelivered = NoticeDelivery.objects.create(
        notice=f.NoticeFactory(recipient=owner), channel="alimtalk", status="undeliverable", reason="no_phone"
    )
    return {
        "handover_id": handover.pk,
        "hauler_id": collector.hauler_id,  # the crew's hauler's round
        "restaurant_id": restaurant.pk,
        "bin_id": bin.pk,
        "code": tag.code,
        "sheet_id": sheet.pk,
        "tariff_id": tariff.pk,
        "run_id": run.id,
        "scale_id": scale.pk,
        "import_id": register_import.pk,
        "user_id": owner.pk,  # an owner of ours, on the people pages
        "report_id": report_tag_problem(bin=bin, by=owner, kind="lost").pk,
        "refund_id": refund.pk,
        "payment_id": payment.pk,
        "key_id": issue_api_key(municipality_id=official.municipality_id, app_name="민원 앱", by=official)[0].pk,
        "delivery_id": undelivered.pk,  # an owner's KakaoTalk message that could not be delivered
    }


def test_the_matrix_knows_every_officials_page():
    assert len(officials_pages()) >= 30  # the resolver was read, not an empty list


@pytest.mark.parametrize("persona", OWNERS_AND_CREWS)
def test_owners_and_crews_are_refused_every_officials_page(client, request, persona, ids):
    client.force_login(request.getfixturevalue(persona))
    failures = []
    for route in officials_pages():
        url = _url(route, ids)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in REFUSED[method]:
                failures.append(f"{method.upper()} {url}: {status}")
    assert not failures, "\n".join(failures)


def test_another_municipalitys_official_finds_none_of_our_objects(client, stranger, ids, restaurant, owner, tag):
    client.force_login(stranger)
    failures = []
    for route in officials_pages():
        url = _url(route, ids)
        if "<" not in route:  # a page of their own municipality: ours must not show on it
            response = client.get(url)
            if response.status_code == 405:
                continue
            shown = response.getvalue().decode()  # a streamed CSV too
            if response.status_code != 200 or restaurant.name in shown:
                failures.append(f"GET {url}: {response.status_code}, shows ours: {restaurant.name in shown}")
            continue
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status not in NOT_FOUND[method]:
                failures.append(f"{method.upper()} {url}: {status}")
    assert not failures, "\n".join(failures)
    owner.refresh_from_db()
    tag.refresh_from_db()
    assert owner.is_active and tag.is_active  # nothing of ours was changed on the way
