"""Bench: importing a Seoul-sized licence register (120,000 rows) end to end.

    .venv/bin/python bench/bench_register_import.py [--rows 120000] [--closed 0.1] [--keep]

Creates a database of its own (`bench_register_<pid>`) on the configured server (the
embedded one by default) and migrates it. Generates the register in its real layout
(the 일반음식점 download's 47 columns, CP949, 중부원점 TM coordinates, a share of 폐업 rows
never imported, a few junk rows) for a municipality of 20 동, then in the same process
times:

1. the import end to end, as an official's upload and confirm do it: reading and
   judging the file (the preview) and the run that writes it, chunk by chunk
   (registers/services.py, registers/runs.py — in-process, no broker);
2. the same file again (every row unchanged: nothing written);
3. the floor: a plain COPY of the same rows (the values the import writes) into a
   table shaped like restaurants.

Prints seconds, rows/s and the ratio import / COPY; checks that the restaurants
written are the rows the preview said it would create, and drops the database.
"""

import argparse
import io
import os
import random
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from databases import drop_database, recreate_database, server_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings")
os.environ.setdefault("DJANGO_ENV", "development")

DONGS = [
    "공덕동", "아현동", "도화동", "용강동", "대흥동", "염리동", "신수동", "서강동", "서교동", "합정동",
    "망원동", "연남동", "성산동", "상암동", "동교동", "노고산동", "창전동", "상수동", "당인동", "중동",
]  # fmt: skip


def register_file(count: int, closed_share: float, seed: int = 9) -> bytes:
    """`count` rows in the register's layout, CP949, with coordinates in EPSG:2097."""
    import pyproj

    from tests.registers import register_files as rf

    rng = random.Random(seed)
    lats = [37.54 + rng.random() * 0.04 for _ in range(count)]
    lngs = [126.89 + rng.random() * 0.06 for _ in range(count)]
    xs, ys = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2097", always_xy=True).transform(lngs, lats)
    kinds = ["한식", "중국식", "일식", "경양식", "분식", "호프/통닭", "까페", "기타"]
    rows = []
    for n in range(count):
        closed = rng.random() < closed_share and n % 20000 != 29
        values = rf.row(
            n + 1,
            place=None,
            dong=DONGS[n % len(DONGS)],
            closed_on=f"20{10 + n % 15}-0{1 + n % 9}-1{n % 9}" if closed else "",
            **{
                "업태구분명": kinds[n % len(kinds)],
                "시설총규모": f"{20 + n % 180}.{n % 100:02d}",
                "좌표정보(x)": f"{xs[n]:.9f}",
                "좌표정보(y)": f"{ys[n]:.9f}",
                "관리번호": f"3130000-101-{2000 + n % 25}-{n:06d}",
            },
        )
        if n % 5000 == 17:
            values["좌표정보(x)"] = "-"  # junk coordinates: imported without a location
        if n % 20000 == 29:
            values["소재지전체주소"] = "서울특별시 마포구 없는동 1-1"  # refused: unknown district
            values["도로명전체주소"] = ""
        rows.append(values)
    return rf.csv_bytes(rows, encoding="cp949")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=120_000)
    parser.add_argument("--closed", type=float, default=0.1, help="share of 폐업 rows (never imported: skipped)")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()

    server = server_url()
    name = f"bench_register_{os.getpid()}"
    bench_url = recreate_database(server, name)
    os.environ["DATABASE_URL"] = bench_url
    try:
        _bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(server, name)


def _bench(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from backend.accounts.models import Role, User
    from backend.municipalities.models import District, Municipality
    from backend.registers import runs, services, tasks
    from backend.registers.models import RegisterImport
    from backend.restaurants.models import Restaurant

    call_command("migrate", verbosity=0)
    city = Municipality.objects.create(name="서울특별시 마포구", code="11440")
    District.objects.bulk_create(
        [District(municipality=city, name=dong, code=f"M{i:03d}") for i, dong in enumerate(DONGS)]
    )
    official = User.objects.create(username="bench-official", role=Role.OFFICIAL, municipality=city)

    started = time.perf_counter()
    content = register_file(args.rows, args.closed)
    generated = time.perf_counter() - started
    print(f"file: {args.rows:,} rows, {len(content) / 1e6:.1f} MB CP949, generated in {generated:.1f} s")

    def import_once(label: str) -> tuple[float, RegisterImport]:
        started, cpu_started = time.perf_counter(), time.process_time()
        register_import = services.preview_register(by=official, file_name="일반음식점.csv", content=content)
        previewed = time.perf_counter() - started
        services.confirm_import(register_import=register_import, by=official)
        status = runs.run_import(import_id=register_import.id)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        register_import.refresh_from_db()
        assert status == "done", status
        print(
            f"{label}: {seconds:.2f} s end to end (preview {previewed:.2f} s, run {seconds - previewed:.2f} s; "
            f"this process's CPU {cpu:.2f} s), "
            f"{args.rows / seconds:,.0f} rows/s; preview {register_import.counts}"
        )
        return seconds, register_import

    # The run is timed in this process: confirm's task is not sent to a broker.
    tasks.run_register_import.delay = lambda *args, **kwargs: None
    first_seconds, first = import_once("import")
    created = Restaurant.objects.filter(municipality=city).count()
    assert created == first.counts["create"] == first.written["create"], (created, first.counts, first.written)
    again_seconds, again = import_once("same file again")
    assert again.counts["unchanged"] == created and again.counts["create"] == 0, again.counts
    assert Restaurant.objects.filter(municipality=city).count() == created

    # The floor: the same rows' values, as the import writes them, through one COPY.
    started = time.perf_counter()
    prepared, _refused, _warnings = runs.prepared_rows(RegisterImport(municipality=city, content=content))
    print(
        f"one pass of reading and judging the file (done by the preview and again by the run): "
        f"{time.perf_counter() - started:.2f} s"
    )
    columns = ["id", "municipality_id", "register_id", "business_number", *[f for f in _floor_fields()], "created_at"]
    buffer = io.StringIO()
    for row in prepared:
        if row.closed:
            continue
        v = row.values
        cells = [uuid.uuid4(), city.id, row.register_id, ""] + [v[f] for f in _floor_fields()] + ["2026-11-30 00:00+00"]
        buffer.write("\t".join("\\N" if c is None else str(c) for c in cells) + "\n")
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_copy (LIKE restaurants_restaurant INCLUDING ALL)")
        buffer.seek(0)
        started = time.perf_counter()
        cursor.copy_from(buffer, "bench_copy", columns=columns)
        copy_seconds = time.perf_counter() - started
        cursor.execute("SELECT count(*) FROM bench_copy")
        copied = cursor.fetchone()[0]
    print(f"floor: COPY of the same {copied:,} restaurants: {copy_seconds:.2f} s")
    print(f"ratio import / COPY: {first_seconds / copy_seconds:.1f}")
    print(f"ratio same file again / COPY: {again_seconds / copy_seconds:.1f}")


def _floor_fields():
    from backend.registers.planning import FIELDS

    return FIELDS


if __name__ == "__main__":
    main()
