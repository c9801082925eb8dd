"""The billing fixtures the notices of invoices are tested with, and NHN Cloud's
AlimTalk stand-in with a missed-pickup message's variables, shared with people's tests."""

import pytest

from tests.billing.conftest import bill, scan, tariff  # noqa: F401
from tests.standins import nhn_bizmessage as standin

# The variables of a missed-pickup notice's AlimTalk template.
MISSED = {"업소명": "할매순대국", "용기": "주방 1", "방문일시": "2026-11-02 10:00", "사유": "미배출"}


@pytest.fixture
def nhn(settings):
    """Settings pointing the AlimTalk notifier at a running stand-in; yields its state."""
    with standin.serving(settings) as state:
        yield state
