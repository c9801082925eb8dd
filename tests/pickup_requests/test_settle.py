"""A crew's weighing of the bin on the requested day settles the request: every ten
minutes from Celery beat, or from the management command."""

import pytest
from django.core.management import call_command

from backend.notifications.models import Notice
from backend.pickup_requests import services, tasks
from backend.pickup_requests.models import PickupRequest
from tests.pickup_requests.conftest import seoul

pytestmark = pytest.mark.django_db


def ask(owner, bin, kind, day):
    return services.request_pickup(restaurant=bin.restaurant, bin=bin, kind=kind, requested_for=day, by=owner)


def test_a_weighing_after_the_request_settles_it_once(owner, bin, visit, frozen):
    visit(seoul(2026, 10, 5, 6, 0), grams=10_000)  # the morning round, before the owner asked
    pickup = ask(owner, bin, "extra_pickup", frozen.date())
    assert services.settle_pickup_requests(day=frozen.date()) == []

    weighing = visit(seoul(2026, 10, 5, 14, 30), grams=18_250)
    (step,) = services.settle_pickup_requests(day=frozen.date())
    pickup.refresh_from_db()
    assert pickup.status == "done"
    assert (step.by, step.collection_id) == (None, weighing.id)
    assert Notice.objects.filter(about=str(step.id), kind="pickup_request_done").exists()
    assert "18.250 kg" in Notice.objects.get(about=str(step.id)).body

    assert services.settle_pickup_requests(day=frozen.date()) == []
    assert pickup.steps.count() == 2 and Notice.objects.count() == 2


def test_a_late_synced_weighing_settles_yesterdays_missed_report(owner, bin, visit, frozen):
    pickup = ask(owner, bin, "missed_pickup", seoul(2026, 10, 4).date())
    visit(seoul(2026, 10, 4, 22, 10), grams=9_000)  # the truck synced after the owner reported
    visit(seoul(2026, 10, 5, 0, 10), grams=9_000)  # Monday's, not Sunday's
    assert tasks.settle_pickup_requests() == 1
    pickup.refresh_from_db()
    assert pickup.status == "done"
    assert pickup.steps.get(status="done").collection.collected_at == seoul(2026, 10, 4, 22, 10)


def test_another_bin_or_day_does_not_settle_and_closed_requests_stay_closed(f, owner, bin, visit, frozen):
    pickup = ask(owner, bin, "extra_pickup", frozen.date())
    other = f.BinFactory(restaurant=bin.restaurant)
    visit(seoul(2026, 10, 5, 15, 0), grams=5_000, bin=other)
    visit(seoul(2026, 10, 6, 9, 0), grams=5_000)
    call_command("settle_pickup_requests", day="2026-10-05")
    pickup.refresh_from_db()
    assert pickup.status == "received"
    services.cancel_request(pickup=pickup, by=owner)
    visit(seoul(2026, 10, 5, 16, 0), grams=5_000)
    assert services.settle_pickup_requests(day=frozen.date()) == []
    assert PickupRequest.objects.get().status == "cancelled"


def test_the_beat_runs_the_settling_task():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["settle-pickup-requests"]
    assert entry["task"] == tasks.settle_pickup_requests.name and entry["schedule"] == 600.0
