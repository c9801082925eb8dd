"""Scans at chosen local times, in the officials' municipality or elsewhere."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def scan(f, collector):
    """scan(tag, when, grams, status="billable", **fields) → a stored collection.
    grams=None records a visit with an exception (not_put_out unless given)."""

    def make(tag, when: datetime, grams: int | None, status: str = "billable", **fields):
        if grams is None:
            fields.setdefault("exception_code", "not_put_out")
            status = "not_collected"
        return f.CollectionEventFactory(
            tag=tag, collector=collector, collected_at=when, weight_g=grams, status=status, **fields
        )

    return make


@pytest.fixture
def admin(f):
    return f.UserFactory(username="admin", role="admin")
