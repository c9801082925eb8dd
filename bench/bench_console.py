"""Bench: the officials' console over a Seoul-sized district.

    .venv/bin/python bench/bench_console.py [--restaurants 100000] [--requests 20] [--labels 10000] [--keep]

Creates a database of its own (`bench_console_<pid>`) on the configured server (the
embedded one by default), migrates it and fills it with `--restaurants` restaurants
(names and addresses drawn from common words, so that searches match many rows or few),
one bin and one active tag each. Then, in this process, through Django's test client
(middleware, view, SQL and template: the server's time, without the network):

1. the restaurant list: the first page, deep pages reached by the "next" link, searches
   that match many rows, few or none, by name, address, 관리번호 and business number,
   and each filter; every case `--requests` times; p50 / p95 / max per case and overall.
   The floor: the same first page as one bare SQL statement.
2. a label sheet of `--labels` labels from the page: all but that many tags are marked
   printed, the official asks for "every tag not printed yet", and the background job
   (the task's own function, as a worker runs it) builds the PDF into storage. Time of the
   request, of the build, and in total.
"""

import argparse
import os
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import drop_database, recreate_database, server_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")

CITY = "00000000-0000-4000-8000-000000000001"
WORDS = ["할매", "원조", "명동", "행복", "시골", "엄마손", "토박이", "한우", "바다", "고향", "대박", "황금", "소문난"]
DISHES = ["순대국", "김밥", "치킨", "짜장", "국수", "족발", "갈비", "분식", "초밥", "돈까스", "칼국수", "곱창"]
STREETS = ["도화동", "서교동", "합정동", "망원동", "연남동", "공덕동", "아현동", "성산동", "상암동", "염리동"]
TYPES = ["korean", "chinese", "japanese", "snack", "pub", "cafe", "other"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--restaurants", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="requests per list case")
    parser.add_argument("--labels", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    server = server_url()
    name = f"bench_console_{os.getpid()}"
    bench_url = recreate_database(server, name)
    os.environ["DATABASE_URL"] = bench_url
    media = tempfile.TemporaryDirectory()
    os.environ["MEDIA_ROOT"] = media.name
    try:
        _bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        media.cleanup()
        if not args.keep:
            drop_database(server, name)


def _fill(count: int):
    from backend.accounts.models import Role, User
    from backend.municipalities.models import District, Municipality
    from backend.restaurants.models import Bin, Restaurant
    from backend.tags.models import Tag

    rng = random.Random(7)
    city = Municipality.objects.create(id=CITY, name="벤치구", code="B0001")
    districts = [
        District.objects.create(municipality=city, name=street, code=f"D{n}") for n, street in enumerate(STREETS)
    ]
    official = User.objects.create_user(username="bench-official", password="x", role=Role.OFFICIAL, municipality=city)
    rows = []
    for n in range(count):
        district = rng.randrange(len(districts))
        closed = n % 50 == 0
        rows.append(
            Restaurant(
                municipality=city,
                district=districts[district],
                name=f"{rng.choice(WORDS)}{rng.choice(DISHES)} {n}",
                address=f"서울특별시 벤치구 {STREETS[district]} {rng.randrange(1, 900)}-{rng.randrange(1, 40)}",
                business_number=f"{n:010d}",
                register_id=f"3130000-101-2015-{n:06d}",
                business_type=rng.choice(TYPES),
                status="closed" if closed else "open",
                closed_on="2025-12-31" if closed else None,
            )
        )
    restaurants = Restaurant.objects.bulk_create(rows, batch_size=5000)
    bins = Bin.objects.bulk_create(
        [Bin(restaurant=r, capacity_liters=120, label="주방 1") for r in restaurants], batch_size=5000
    )
    Tag.objects.bulk_create([Tag(bin=b, issued_by=official) for b in bins if rng.random() < 0.9], batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return official


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _list_cases(client) -> dict[str, list[dict]]:
    from backend.console.selectors import restaurant_page
    from backend.restaurants.models import Restaurant

    first = restaurant_page(client.user, {})
    deep = {
        "after": str(
            Restaurant.objects.order_by("name", "id").values_list("id", flat=True)[50_000 % Restaurant.objects.count()]
        )
    }
    some = Restaurant.objects.order_by("?").first()
    return {
        "first page": [{}],
        "next page (from page 1)": [{"after": first.next_after}],
        "deep page (row 50,000)": [deep],
        "search: common word (할매)": [{"q": "할매"}],
        "search: dish + district (순대국, 도화동)": [{"q": "순대국"}, {"q": "도화동"}],
        "search: one restaurant's name": [{"q": some.name}],
        "search: no match": [{"q": "없는상호"}],
        "search: 관리번호": [{"q": some.register_id}],
        "search: business number": [{"q": some.business_number}],
        "filter: district + type": [{"district": str(some.district_id), "business_type": "chinese"}],
        "filter: closed": [{"status": "closed"}],
        "filter: no active tag": [{"tag": "no"}],
        "filter: unpaid": [{"unpaid": "yes"}],
        "search + filters (할매, no tag, open)": [{"q": "할매", "tag": "no", "status": "open"}],
    }


def _bench(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    warnings.filterwarnings("ignore", message="No directory at")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    official = _fill(args.restaurants)
    print(f"filled {args.restaurants:,} restaurants, bins and tags in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(official)
    client.user = official
    url = "/console/restaurants/"
    everything = []
    print(f"\nrestaurant list over {args.restaurants:,} restaurants ({args.requests} requests per case), ms")
    print(f"{'case':44} {'p50':>7} {'p95':>7} {'max':>7}")
    for case, variants in _list_cases(client).items():
        timings = []
        for n in range(args.requests):
            params = variants[n % len(variants)]
            began = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (case, response.status_code)
        everything += timings
        p50, p95 = _percentile(timings, 0.5), _percentile(timings, 0.95)
        print(f"{case:44} {p50:7.1f} {p95:7.1f} {max(timings):7.1f}")
    p50, p95 = _percentile(everything, 0.5), _percentile(everything, 0.95)
    print(f"{'all cases':44} {p50:7.1f} {p95:7.1f} {max(everything):7.1f}")

    floor = []
    with connection.cursor() as cursor:
        for _ in range(args.requests):
            began = time.perf_counter()
            cursor.execute(
                "SELECT * FROM restaurants_restaurant WHERE municipality_id = %s ORDER BY name, id LIMIT 51", [CITY]
            )
            cursor.fetchall()
            floor.append((time.perf_counter() - began) * 1000)
    print(f"{'floor: first page as one bare SELECT':44} {_percentile(floor, 0.5):7.1f} {_percentile(floor, 0.95):7.1f}")

    _bench_labels(client, official, args.labels)


def _bench_labels(client, official, labels: int) -> None:
    from django.db import transaction

    from backend.tags import label_sheets, tasks
    from backend.tags.models import LabelSheet, LabelSheetStatus, Tag

    tags = list(Tag.objects.order_by("code").values_list("pk", flat=True))
    printed = LabelSheet.objects.create(
        municipality_id=CITY, requested_by=official, status=LabelSheetStatus.DONE, tag_count=len(tags) - labels
    )
    Through = LabelSheet.tags.through
    Through.objects.bulk_create([Through(labelsheet=printed, tag_id=pk) for pk in tags[labels:]], batch_size=10_000)

    queued = []
    original = tasks.build_label_sheet.delay
    tasks.build_label_sheet.delay = lambda sheet_id: queued.append(sheet_id)
    try:
        began = time.perf_counter()
        with transaction.atomic():  # run on_commit callbacks as the request's commit would
            response = client.post("/console/label-sheets/new/", {"scope": "unprinted"})
        asked = time.perf_counter() - began
    finally:
        tasks.build_label_sheet.delay = original
    assert response.status_code == 302, response.status_code
    assert len(queued) == 1, "the sheet was not sent to the background"
    began = time.perf_counter()
    tasks.build_label_sheet(queued[0])
    built = time.perf_counter() - began
    sheet = LabelSheet.objects.get(pk=queued[0])
    assert sheet.status == LabelSheetStatus.DONE and sheet.tag_count == labels, (sheet.status, sheet.tag_count)
    size = sheet.pdf.size
    floor = _render_only(sheet)
    print(f"\nlabel sheet of {labels:,} labels from the page (every tag not printed yet, of {len(tags):,} tags)")
    print(f"  request (pick tags, record the sheet, enqueue): {asked:6.2f} s")
    print(f"  background build (QR codes, PDF, storage):      {built:6.2f} s  ({labels / built:,.0f} labels/s)")
    print(f"  floor: tag_tools drawing the same labels:       {floor:6.2f} s  (ratio {built / floor:.2f}x)")
    print(
        f"  total:                                          {asked + built:6.2f} s  ({size / 1e6:.1f} MB, "
        f"{(labels + label_sheets.PROGRESS_EVERY - 1) // label_sheets.PROGRESS_EVERY} progress writes)"
    )


def _render_only(sheet) -> float:
    """The floor: tag_tools drawing the same labels to a file, with no database or storage."""
    from tag_tools.labels import LabelContent, render_labels
    from tag_tools.sheets import DEFAULT_GAPS, DEFAULT_LAYOUT, DEFAULT_MARGINS, parse_sheet

    contents = [
        LabelContent(tag.url, tag.manual_code_display, tag.bin.restaurant.name, tag.bin.label)
        for tag in sheet.tags.select_related("bin__restaurant")
    ]
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        render_labels(contents, Path(folder) / "floor.pdf", parse_sheet(DEFAULT_LAYOUT, DEFAULT_MARGINS, DEFAULT_GAPS))
        return time.perf_counter() - began


if __name__ == "__main__":
    main()
