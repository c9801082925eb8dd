"""The officials' review queue: a held scan's reasons and evidence, release or void in
bulk with a reason (each decision recorded), billing of a released scan in the month it
was collected, once; and the hold rules' page with its history."""

import re
import uuid
from datetime import date

import pytest
from django.urls import reverse

from backend.billing import windows
from backend.billing.models import Invoice, LineKind
from backend.collection_events.models import CollectionEvent, CollectionEventStatusChange, HoldRules
from backend.collection_events.services import decide_held_scans
from tests.api.scans import scan as scan_body
from tests.billing.conftest import seoul
from tests.review.conftest import batch

pytestmark = pytest.mark.django_db
QUEUE = "/console/review/"


def held(f, tag, collector, **fields) -> CollectionEvent:
    return f.CollectionEventFactory(id=uuid.uuid4(), tag=tag, collector=collector, status="held", **fields)


def test_the_queue_shows_why_and_the_evidence(client, api, official, collector, tag, weighed_bin):
    history = weighed_bin()
    bodies = [scan_body(tag, lat="37.565000", lng="126.910000", gps_accuracy_m=20), scan_body(history, weight_kg="31")]
    batch(api, collector, *bodies)
    client.force_login(official)
    html = client.get(QUEUE).content.decode()
    assert html.count('data-testid="held-scan"') == 2
    assert 'data-reason="far_from_restaurant"' in html and 'data-reason="weight_implausible"' in html
    assert "37.565000, 126.910000" in html and "식당에서" in html
    assert "10.000, 10.400, 9.800" in html  # the bin's latest weights, newest first, and the median
    assert "중앙값 10.000 kg" in html


def test_bulk_release_needs_a_reason_and_records_each_decision(client, f, official, collector, tag):
    first, second = held(f, tag, collector), held(f, tag, collector)
    client.force_login(official)
    chosen = {"events": [str(first.id), str(second.id)], "decision": "release"}
    refused = client.post(QUEUE, {**chosen, "reason": " "})
    assert refused.status_code == 400 and "사유를 입력" in refused.content.decode()
    assert set(CollectionEvent.objects.values_list("status", flat=True)) == {"held"}

    response = client.post(QUEUE, {**chosen, "reason": "같은 날 두 번 수거 확인"})
    assert response.status_code == 302
    assert set(CollectionEvent.objects.values_list("status", flat=True)) == {"billable"}
    changes = CollectionEventStatusChange.objects.order_by("event_id")
    assert sorted(change.event_id for change in changes) == sorted([first.id, second.id])
    assert {(c.from_status, c.to_status, c.changed_by_id, c.reason) for c in changes} == {
        ("held", "billable", official.id, "같은 날 두 번 수거 확인")
    }
    # Decided already: a second decision on the same scans is refused, nothing changes.
    again = client.post(QUEUE, {**chosen, "decision": "void", "reason": "다시"})
    assert again.status_code == 409 and CollectionEventStatusChange.objects.count() == 2


def test_a_far_scan_shows_its_distance_with_separators(client, f, official, collector, tag):
    held(f, tag, collector, lat="37.000000", lng="127.000000", distance_m=340_477, gps_accuracy_m=1_500)
    client.force_login(official)
    html = client.get(QUEUE).content.decode()
    assert "식당에서 340,477 m" in html and "1,500 m" in html


def test_a_scan_ticked_many_times_does_not_hide_the_ones_after_it(client, f, official, collector, tag):
    first, last = held(f, tag, collector), held(f, tag, collector)
    client.force_login(official)
    events = [str(first.id)] * 101 + [str(last.id)]
    response = client.post(QUEUE, {"events": events, "decision": "release", "reason": "확인함"})
    assert response.status_code == 302
    assert set(CollectionEvent.objects.values_list("status", flat=True)) == {"billable"}


def test_another_municipalitys_official_can_neither_see_nor_decide(client, f, stranger, collector, tag):
    event = held(f, tag, collector)
    client.force_login(stranger)
    assert 'data-testid="held-scan"' not in client.get(QUEUE).content.decode()
    response = client.post(QUEUE, {"events": [str(event.id)], "decision": "release", "reason": "x"})
    assert response.status_code == 404
    assert CollectionEvent.objects.get(id=event.id).status == "held"


def test_a_decision_names_release_or_void_and_at_least_one_scan(official, f, collector, tag):
    from backend.core.errors import DomainError

    event = held(f, tag, collector)
    for ids, decision, code in [
        ([event.id], "approve", "invalid_decision"),
        ([], "release", "nothing_chosen"),
        ([uuid.uuid4() for _ in range(101)], "release", "too_many_chosen"),
    ]:
        with pytest.raises(DomainError) as refused:
            decide_held_scans(by=official, event_ids=ids, decision=decision, reason="확인")
        assert refused.value.code == code
    assert CollectionEvent.objects.get(id=event.id).status == "held"


@pytest.mark.django_db(transaction=True)
def test_a_released_scan_is_billed_once_in_its_month_and_a_voided_one_never(tariff, old_bin, scan, bill, official):
    scan(old_bin, seoul(2026, 8, 3, 5), 10_000)
    before_run = scan(old_bin, seoul(2026, 8, 10, 5), 2_000, status="held")
    after_run = scan(old_bin, seoul(2026, 8, 20, 5), 3_000, status="held")
    voided = scan(old_bin, seoul(2026, 8, 25, 5), 50_000, status="held")
    decide_held_scans(by=official, event_ids=[before_run.id], decision="release", reason="확인")
    decide_held_scans(by=official, event_ids=[voided.id], decision="void", reason="이중 계량")
    bill("2026-08")
    august = Invoice.objects.get()
    assert august.subtotal_krw == 1560  # 12 kg × 130: the scan released before the run, not the held one
    decide_held_scans(by=official, event_ids=[after_run.id], decision="release", reason="확인")
    bill("2026-09")
    september = Invoice.objects.get(period=date(2026, 9, 1))
    (prior,) = september.lines.filter(kind=LineKind.PRIOR_PERIOD)
    assert (prior.service_period, prior.weight_g) == (date(2026, 8, 1), 3_000)
    assert windows.billed_on(after_run.id) == september.number
    bill("2026-10")  # not again
    assert not Invoice.objects.filter(period=date(2026, 10, 1), lines__kind=LineKind.PRIOR_PERIOD).exists()
    assert windows.billed_on(voided.id) is None


def test_the_rules_page_saves_each_change_with_its_reason_and_history(client, official, city):
    client.force_login(official)
    page = reverse("review:rules")
    assert client.get(page).status_code == 200
    form = {
        "far_from_restaurant_m": "500",
        "weight_z_threshold": "4.0",
        "weight_min_history": "10",
        "sun_required": "on",
    }
    assert client.post(page, {**form, "change_reason": "GPS 오차 반영"}).status_code == 302
    assert (
        client.post(
            page, {**form, "far_from_restaurant_m": "800", "sun_required": "False", "change_reason": "외곽 지역"}
        ).status_code
        == 302
    )
    refused = client.post(page, {**form, "far_from_restaurant_m": "5", "change_reason": "너무 작게"})
    assert refused.status_code == 400
    rules = HoldRules.objects.get(municipality=city)
    assert (rules.far_from_restaurant_m, rules.weight_z_threshold, rules.sun_required) == (800, 4, False)
    assert [row.history_change_reason for row in rules.history.order_by("history_date")] == [
        "GPS 오차 반영",
        "외곽 지역",
    ]
    html = client.get(page).content.decode()
    assert "외곽 지역" in html and "GPS 오차 반영" in html


def test_the_rules_inputs_carry_the_limits_and_a_huge_figure_is_said_too_large(client, official, city):
    client.force_login(official)
    page = client.get(reverse("review:rules")).content.decode()
    for name, low, high in (("far_from_restaurant_m", "20", "100000"), ("weight_min_history", "3", "20")):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group()
        assert f'min="{low}"' in tag and f'max="{high}"' in tag
    tag = re.search(r'<input[^>]*name="weight_z_threshold"[^>]*>', page).group()
    assert 'min="1.0"' in tag and 'max="99.9"' in tag
    form = {"far_from_restaurant_m": "500", "weight_min_history": "10", "sun_required": "True", "change_reason": "x"}
    refused = client.post(reverse("review:rules"), {**form, "weight_z_threshold": "1e309"})
    assert refused.status_code == 400
    said = refused.content.decode()
    assert "99.9" in said and "4개" not in said and "digits" not in said
