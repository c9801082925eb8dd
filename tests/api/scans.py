"""What a crew's device sends: the scan endpoints and a valid scan to vary."""

import uuid

from django.utils import timezone

URL = "/api/v1/collections/"
BATCH = "/api/v1/collections/batch/"


def scan(tag, /, **overrides) -> dict:
    """A valid scan of `tag`, as a device sends it, with `overrides` applied."""
    body = {
        "id": str(uuid.uuid4()),
        "tag": tag.url,
        "weight_kg": "12.345",
        "collected_at": timezone.now().isoformat(),
        "source": "nfc",
    }
    body.update(overrides)
    return body


def error_code(response) -> str:
    return response.json()["error"]["code"]
