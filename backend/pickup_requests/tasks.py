"""Celery's way into pickup requests: the beat settles requests that crews answered."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from backend.pickup_requests import services


@shared_task(time_limit=300, name="pickup_requests.settle_pickup_requests")
def settle_pickup_requests() -> int:
    # Yesterday too: a truck that syncs after midnight still settles yesterday's requests.
    today = timezone.localdate()
    return sum(len(services.settle_pickup_requests(day=day)) for day in (today - timedelta(days=1), today))
