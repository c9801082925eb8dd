"""Toss Payments: how many payments are confirmed per second end to end through our
return URL, against the floor of the gateway's confirm alone, both against the local
stand-in (tests/standins/toss.py) over real HTTP in the same run.

    .venv/bin/python bench/bench_payments.py                 # 300 payments each way
    .venv/bin/python bench/bench_payments.py --payments 100  # quicker

What it does, in a database of its own (`bench_payments_<pid>` on the same server as
DATABASE_URL, or the checkout's embedded server), dropped at the end:

1. starts the stand-in and points the settings at it (PAYMENT_PROVIDER=toss);
2. makes --payments wallet top-up orders for one owner, opens each one's Toss window
   (`POST /v1/payments`, real HTTP) and lets the owner pay in it (the stand-in's
   authorisation): the setup, not timed;
3. times the owner's returns, one after another: `GET /payments/return/toss/?paymentKey=
   &orderId=&amount=` through Django's whole stack in-process (the test client: the same
   middleware, session, view), which confirms with the stand-in over real HTTP (Basic
   auth, JSON), records the payment once, posts the ledger entry, uses the credit and
   queues the receipt notice;
4. times the floor: as many payments made and authorised at the stand-in directly, each
   confirmed by one `POST /v1/payments/confirm` from a keep-alive `requests.Session`;
5. prints both rates and their ratio (ours / floor), and checks that every return paid
   exactly one payment.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import bench_database

from tests.standins.toss import TossStandIn

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--payments", type=int, default=300, help="payments timed each way (default 300)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    with bench_database("bench_payments", keep=args.keep), TossStandIn() as standin:
        os.environ.update(
            {
                "PAYMENT_PROVIDER": "toss",
                "TOSS_SECRET_KEY": standin.secret_key,
                "TOSS_API_BASE": standin.base_url,
            }
        )
        _bench(args, standin)


def _bench(args, standin: TossStandIn) -> None:
    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from backend.accounts.models import Role, User
    from backend.billing.models import LedgerEntry
    from backend.municipalities.models import District, Municipality
    from backend.payments import services
    from backend.payments.models import Payment
    from backend.restaurants.models import Restaurant

    setup_test_environment()
    warnings.filterwarnings("ignore", message="No directory at")
    call_command("migrate", verbosity=0)
    city = Municipality.objects.create(name="벤치구", code="B0003")
    district = District.objects.create(municipality=city, name="도화동", code="D1")
    owner = User.objects.create_user(username="bench-owner", password="x", role=Role.OWNER)
    restaurant = Restaurant.objects.create(
        municipality=city,
        district=district,
        owner=owner,
        name="벤치 식당",
        address="서울 벤치구 1",
        business_number="1",
    )

    started = time.perf_counter()
    returns = []
    for _ in range(args.payments):
        order = services.create_top_up_order(restaurant=restaurant, amount_krw=10_000, by=owner)
        services.start_checkout(
            order=order,
            method="card",
            success_url="http://testserver/payments/return/toss/",
            fail_url="http://testserver/payments/fail/toss/",
        )
        parts = urlsplit(standin.authorize(standin.key_of(order.id)))
        returns.append(f"{parts.path}?{parts.query}")
    print(f"set up {args.payments} orders with their Toss windows in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(owner)
    client.get(returns[0].replace("amount=10000", "amount=1"))  # warm up (refused: no payment)
    started = time.perf_counter()
    for path in returns:
        response = client.get(path)
        assert response.status_code == 302 and "/payments/receipts/" in response["Location"], response.content[:300]
    ours = time.perf_counter() - started
    paid = Payment.objects.count()
    entries = LedgerEntry.objects.filter(restaurant=restaurant).count()
    assert paid == entries == args.payments, (paid, entries)

    floor_bodies = []
    for n in range(args.payments):
        _, payment = standin.create(
            {
                "method": "카드",
                "amount": 10_000,
                "orderId": f"floor-{n}",
                "orderName": "floor",
                "successUrl": "http://testserver/s",
                "failUrl": "http://testserver/f",
            }
        )
        standin.authorize(payment["paymentKey"])
        floor_bodies.append({"paymentKey": payment["paymentKey"], "orderId": f"floor-{n}", "amount": 10_000})
    session = requests.Session()
    session.auth = (standin.secret_key, "")
    started = time.perf_counter()
    for body in floor_bodies:
        answer = session.post(f"{standin.base_url}/v1/payments/confirm", json=body, timeout=10)
        assert answer.status_code == 200 and answer.json()["status"] == "DONE", answer.text
    floor = time.perf_counter() - started

    our_rate, floor_rate = args.payments / ours, args.payments / floor
    each, floor_each = 1000 * ours / args.payments, 1000 * floor / args.payments
    print(f"our return URL, confirmed and recorded: {our_rate:8.1f} payments/s ({each:.1f} ms each)")
    print(f"floor, the stand-in's confirm alone:    {floor_rate:8.1f} payments/s ({floor_each:.1f} ms each)")
    print(f"ratio (ours / floor): {our_rate / floor_rate:.2f}")
    print(f"every return paid once: {paid} payments, {entries} ledger entries for {args.payments} returns")


if __name__ == "__main__":
    main()
