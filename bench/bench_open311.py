"""Open311 filing rate: `POST /open311/v2/requests.json` (form-encoded, an api_key, the
bin named by its printed manual code) per second, against two floors measured in the
same run on the same bins:

* the domain function alone: `request_pickup(...)` called directly, no HTTP, no key,
  no tag lookup (what any way of filing must pay);
* the owner's own API: `POST /api/v1/pickup-requests/` with a token (the same function
  behind the JSON API the owners' apps use).

    .venv/bin/python bench/bench_open311.py                # 400 bins
    .venv/bin/python bench/bench_open311.py --bins 100     # quicker

Everything runs in-process through Django's test client (the same middleware, views,
throttle and cache table, without the socket), one request at a time, in a database
of its own (`bench_open311_<pid>` on DATABASE_URL's server, or the checkout's embedded
server), dropped at the end unless --keep. Each bin gets one extra pickup per path,
each path on its own day, so no request is a duplicate. The per-key rate limit is off
(`OPEN311_RATE_PER_KEY` empty) so that the figure is the server's, not the limit's, and
the notices' sending tasks go to an in-memory Celery queue. The three paths run in turn,
ten bins at a time, so that a warming cache or a busy neighbour weighs on each alike.
"""

import argparse
import os
import sys
import time
import warnings
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import bench_database

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")
os.environ["OPEN311_RATE_PER_KEY"] = ""
# Notices are written as in production; their sending task goes to an in-memory queue, so
# that the figure is the request's, not the development database broker's.
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ.setdefault("LOG_LEVEL", "ERROR")
WARM_UP = 5  # bins filed on each path before timing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bins", type=int, default=400, help="bins (one request per bin and path)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    with bench_database("bench_open311", keep=args.keep):
        _bench(args)


def _fill(bins: int):
    from backend.accounts.models import Role, User
    from backend.municipalities.models import District, Municipality
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    city = Municipality.objects.create(name="벤치구", code="B0311")
    district = District.objects.create(municipality=city, name="도화동", code="D1")
    official = User.objects.create_user(username="bench-official", password="x", role=Role.OFFICIAL, municipality=city)
    owner = User.objects.create_user(username="bench-owner", password="x", role=Role.OWNER, invited_through=city)
    restaurants = Restaurant.objects.bulk_create(
        Restaurant(municipality=city, district=district, name=f"벤치식당 {i}", address=f"도화동 {i}", owner=owner)
        for i in range(bins)
    )
    made = Bin.objects.bulk_create(Bin(restaurant=r, capacity_liters=60, label="주방") for r in restaurants)
    Tag.objects.bulk_create(Tag(bin=b, issued_by=official) for b in made)
    return city, official, owner, list(Tag.objects.select_related("bin").order_by("bin__restaurant__name"))


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def _bench(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone
    from rest_framework.test import APIClient

    from backend.accounts.tokens import issue_token
    from backend.notifications.models import Notice
    from backend.open311.models import ServiceRequest
    from backend.open311.services import issue_api_key
    from backend.pickup_requests.models import PickupRequest
    from backend.pickup_requests.services import request_pickup
    from backend.restaurants.models import Restaurant

    setup_test_environment()
    warnings.filterwarnings("ignore", message="No directory at")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    city, official, owner, tags = _fill(args.bins + WARM_UP)
    today = timezone.localdate(timezone=city.zone)
    day = {
        name: (today + timedelta(days=offset)).isoformat() for offset, name in enumerate(("floor", "api", "open311"), 1)
    }
    print(f"{args.bins} bins, one extra pickup per bin and path")

    restaurants = {r.id: r for r in Restaurant.objects.select_related("municipality")}
    api = APIClient()
    token, _expires = issue_token(owner, lifetime=None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    _key, raw = issue_api_key(municipality_id=city.id, app_name="bench app", by=official)
    client = Client()
    floor_day = date.fromisoformat(day["floor"])

    def by_function(tag) -> None:
        """Floor: the domain function alone."""
        request_pickup(
            restaurant=restaurants[tag.bin.restaurant_id],
            bin=tag.bin,
            kind="extra_pickup",
            requested_for=floor_day,
            by=owner,
        )

    def by_owner_api(tag) -> None:
        answer = api.post(
            "/api/v1/pickup-requests/",
            {"bin": str(tag.bin_id), "kind": "extra_pickup", "requested_for": day["api"]},
            format="json",
        )
        assert answer.status_code == 201, answer.content[:300]

    def by_open311(tag) -> None:
        """Form-encoded, an api_key, the bin named by the manual code printed on it."""
        answer = client.post(
            "/open311/v2/requests.json",
            {
                "api_key": raw,
                "jurisdiction_id": city.code,
                "service_code": "extra_pickup",
                "attribute[tag]": tag.manual_code_display,
                "attribute[requested_for]": day["open311"],
                "lat": "37.55",
                "long": "126.92",
            },
        )
        assert answer.status_code == 201, answer.content[:300]

    paths = {"floor": by_function, "api": by_owner_api, "open311": by_open311}
    for tag in tags[:WARM_UP]:  # first calls (imports, caches, connections), untimed
        for path in paths.values():
            path(tag)
    spent = dict.fromkeys(paths, 0.0)
    timed = tags[WARM_UP:]
    for chunk in range(0, len(timed), 10):
        for name, path in paths.items():
            started = time.perf_counter()
            for tag in timed[chunk : chunk + 10]:
                path(tag)
            spent[name] += time.perf_counter() - started
    floor, owner_api, open311 = spent["floor"], spent["api"], spent["open311"]

    n, everyone = len(timed), len(tags)
    assert PickupRequest.objects.count() == 3 * everyone and ServiceRequest.objects.count() == everyone
    assert Notice.objects.filter(recipient=owner, kind="pickup_request_received").count() == 3 * everyone
    print(f"floor: request_pickup() alone        {floor:6.2f} s  {_rate(n, floor):7.1f} requests/s")
    print(f"owner's API POST /pickup-requests/   {owner_api:6.2f} s  {_rate(n, owner_api):7.1f} requests/s")
    print(f"Open311 POST requests.json           {open311:6.2f} s  {_rate(n, open311):7.1f} requests/s")
    print(f"ratio Open311 / floor: {open311 / floor:.2f}x   Open311 / owner's API: {open311 / owner_api:.2f}x")


if __name__ == "__main__":
    main()
