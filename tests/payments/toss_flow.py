"""Helpers for paying through the Toss Payments stand-in (tests/standins/toss.py) with
the real client code over HTTP: the settings that point at it, and an owner's trip."""

from urllib.parse import urlsplit

import pytest

from backend.payments.models import PaymentOrder
from tests.standins.toss import TossStandIn


@pytest.fixture
def toss(settings):
    with TossStandIn() as standin:
        settings.PAYMENT_PROVIDER = "toss"
        settings.TOSS_SECRET_KEY = standin.secret_key
        settings.TOSS_API_BASE = standin.base_url
        settings.TOSS_CONNECT_TIMEOUT_SECONDS = 2
        settings.TOSS_READ_TIMEOUT_SECONDS = 5
        yield standin


def local(url: str) -> str:
    """Our URL (absolute, as Toss redirects to it) as the test client's path and query."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def open_window(client, order: PaymentOrder, toss: TossStandIn, *, method: str = "card") -> str:
    """The owner picks a method on our checkout page and is sent to Toss's window:
    returns the window's payment key."""
    response = client.post(f"/payments/checkout/{order.id}/", {"method": method})
    assert response.status_code == 302, response.content
    assert response["Location"].startswith(toss.base_url + "/v1/payments/")
    return toss.key_of(order.id)


def pay(client, order: PaymentOrder, toss: TossStandIn) -> str:
    """The owner pays the order by card, all the way back to our return URL: the payment key."""
    key = open_window(client, order, toss)
    response = client.get(local(toss.authorize(key)))
    assert "/payments/receipts/" in response["Location"], response.content
    return key
