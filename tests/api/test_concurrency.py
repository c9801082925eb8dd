"""The same scan sent at once from several threads (a crew's retry racing its first
try, two devices syncing one outbox) is stored exactly once."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from backend.collection_events.models import CollectionEvent, ScanReceipt

THREADS = 8


def race(collector, bodies_for_thread):
    from backend.accounts.tokens import issue_token

    token, _expires_at = issue_token(collector)
    barrier = threading.Barrier(THREADS)
    answers = [None] * THREADS

    def send(index):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            url, body = bodies_for_thread(index)
            answers[index] = client.post(url, body, format="json")
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


@pytest.mark.django_db(transaction=True)
def test_same_event_from_many_threads_is_one_row(f, collector, tag):
    body = {
        "id": str(uuid.uuid4()),
        "tag": tag.url,
        "weight_kg": "20.5",
        "collected_at": timezone.now().isoformat(),
        "source": "nfc",
    }
    answers = race(collector, lambda i: ("/api/v1/collections/", body))
    assert sorted(a.status_code for a in answers) == [200] * (THREADS - 1) + [201]
    assert CollectionEvent.objects.filter(id=body["id"]).count() == 1
    assert ScanReceipt.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_different_scans_of_one_bin_racing_bill_only_one(f, collector, tag):
    """Each thread scans the same bin a minute apart: one is billable, the rest held."""
    start = timezone.now() - timedelta(minutes=20)

    def body(i):
        return (
            "/api/v1/collections/batch/",
            {
                "events": [
                    {
                        "id": str(uuid.uuid4()),
                        "tag": tag.code,
                        "weight_kg": "10",
                        "collected_at": (start + timedelta(minutes=i)).isoformat(),
                        "source": "qr",
                    }
                ]
            },
        )

    answers = race(collector, body)
    assert all(a.json()["results"][0]["status"] == "created" for a in answers)
    statuses = sorted(CollectionEvent.objects.values_list("status", flat=True))
    assert statuses == ["billable"] + ["held"] * (THREADS - 1)
