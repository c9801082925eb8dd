"""The licence register import against files in the register's real layout."""

import pyproj
import pytest
from django.utils import translation

from backend.core.errors import DomainError
from backend.registers import runs, services
from backend.registers.models import ImportStatus, RegisterImport
from backend.registers.planning import issue_reason
from backend.restaurants.models import Restaurant
from tests.registers import register_files as rf

GEOD = pyproj.Geod(ellps="WGS84")


def metres(a: tuple, b: tuple) -> float:
    return GEOD.inv(float(a[1]), float(a[0]), float(b[1]), float(b[0]))[2]


def preview(official, content: bytes, name: str = "register.csv") -> RegisterImport:
    return services.preview_register(by=official, file_name=name, content=content)


def three_rows():
    return [
        rf.row(1, dong="서교동", place=rf.HONGIK_STATION),
        rf.row(2, dong="합정동", place=rf.MAPO_OFFICE, **{"업태구분명": "중국식", "시설총규모": "120.75"}),
        rf.row(3, dong="서교동", place=rf.SEOUL_CITY_HALL, **{"업태구분명": "호프/통닭"}),
    ]


class TestPreviewThenImport:
    @pytest.mark.parametrize(
        "content, expected_format",
        [
            (lambda: rf.csv_bytes(three_rows(), encoding="cp949"), "csv (cp949)"),
            (lambda: rf.csv_bytes(three_rows(), encoding="utf-8-sig"), "csv (utf-8)"),
            (lambda: rf.csv_bytes(three_rows(), encoding="utf-8"), "csv (utf-8)"),
            (lambda: rf.xlsx_bytes(three_rows()), "xlsx"),
        ],
        ids=["cp949", "utf8-bom", "utf8", "xlsx"],
    )
    def test_preview_writes_nothing_and_confirm_creates_each_restaurant(
        self, official, importing, places, content, expected_format
    ):
        data = content()
        register_import = preview(official, data)
        assert register_import.file_format == expected_format
        assert register_import.counts["create"] == 3
        assert register_import.counts["refused"] == 0
        assert register_import.refused == []
        assert Restaurant.objects.filter(register_id__isnull=False).count() == 0

        done = importing(data)
        assert done.status == ImportStatus.DONE
        assert (done.done, done.total) == (3, 3)
        assert bytes(done.content) == b""  # the file is not kept once imported
        first = Restaurant.objects.get(register_id=rf.register_id(1))
        assert first.name == "마포식당 1"
        assert first.district == places["서교동"]
        assert first.municipality == official.municipality
        assert first.business_type == "korean"
        assert str(first.floor_area_m2) == "84.50"
        assert first.phone == "02-3142-1234"
        assert first.status == "open" and first.closed_on is None
        assert first.business_number == ""
        assert first.address.startswith("서울특별시 마포구 양화로")
        second = Restaurant.objects.get(register_id=rf.register_id(2))
        assert (second.business_type, str(second.floor_area_m2), second.district) == (
            "chinese",
            "120.75",
            places["합정동"],
        )
        assert Restaurant.objects.get(register_id=rf.register_id(3)).business_type == "pub"

    def test_columns_are_found_by_name_in_any_order_with_the_other_spellings(self, official, importing):
        header = list(reversed(rf.HEADER))
        header = [
            {"좌표정보(x)": "좌표정보X", "좌표정보(y)": "좌표정보Y", "소재지전화": "전화번호"}.get(h, h) for h in header
        ]
        header = [{"소재지전체주소": "지번주소", "도로명전체주소": "도로명주소"}.get(h, h) for h in header]
        header.insert(3, "아무 열")  # an extra column nobody asked for
        importing(rf.csv_bytes(three_rows(), header=header, encoding="utf-8-sig"))
        first = Restaurant.objects.get(register_id=rf.register_id(1))
        assert first.phone == "02-3142-1234"
        assert metres((first.lat, first.lng), rf.HONGIK_STATION) < 5

    def test_epsg_5174_headers_of_newer_downloads_are_read(self, official, importing):
        header = [
            {"좌표정보(x)": "좌표정보x(EPSG5174)", "좌표정보(y)": "좌표정보y(EPSG5174)"}.get(h, h) for h in rf.HEADER
        ]
        importing(rf.xlsx_bytes(three_rows(), header=header))
        assert Restaurant.objects.filter(register_id__isnull=False, lat__isnull=False).count() == 3


class TestCoordinates:
    @pytest.mark.parametrize("place", [rf.MAPO_OFFICE, rf.HONGIK_STATION, rf.SEOUL_CITY_HALL])
    def test_epsg_2097_points_land_within_5_m_of_pyproj(self, official, importing, place):
        x, y = rf.tm_of(*place)
        expected_lng, expected_lat = pyproj.Transformer.from_crs("EPSG:2097", "EPSG:4326", always_xy=True).transform(
            float(x), float(y)
        )
        importing(rf.csv_bytes([rf.row(7, place=place)]))
        restaurant = Restaurant.objects.get(register_id=rf.register_id(7))
        assert metres((restaurant.lat, restaurant.lng), (expected_lat, expected_lng)) < 5
        assert metres((restaurant.lat, restaurant.lng), place) < 5

    def test_the_source_system_is_a_setting_and_5174_is_about_255_m_away(self, official, importing, settings):
        settings.REGISTER_SOURCE_CRS = "EPSG:5174"
        importing(rf.csv_bytes([rf.row(7, place=rf.MAPO_OFFICE)]))
        restaurant = Restaurant.objects.get(register_id=rf.register_id(7))
        assert 230 < metres((restaurant.lat, restaurant.lng), rf.MAPO_OFFICE) < 280

    def test_empty_and_junk_coordinates_leave_the_location_empty_and_say_so(self, official, importing):
        rows = [
            rf.row(1, place=None),
            rf.row(2, **{"좌표정보(x)": "abc", "좌표정보(y)": "12"}),
            rf.row(3, **{"좌표정보(x)": "1", "좌표정보(y)": "1"}),  # far out at sea
        ]
        register_import = preview(official, rf.csv_bytes(rows))
        assert register_import.counts["create"] == 3
        assert register_import.counts["without_location"] == 3
        assert [w["line"] for w in register_import.warnings] == [2, 3, 4]
        assert [w["code"] for w in register_import.warnings] == [
            "no_coordinates",
            "coordinates_not_numbers",
            "coordinates_outside_korea",
        ]
        assert "숫자가 아닙니다" in issue_reason(register_import.warnings[1])
        assert "국내 위치가 아닙니다" in issue_reason(register_import.warnings[2])
        with translation.override("en"):
            assert issue_reason(register_import.warnings[1]).startswith("the coordinates are not numbers (X=abc")
        importing(rf.csv_bytes(rows))
        assert Restaurant.objects.filter(register_id__isnull=False, lat__isnull=True).count() == 3


class TestRefusedRows:
    def test_each_refused_row_has_its_line_and_reason_and_the_rest_imports(self, official, importing):
        rows = [
            rf.row(1),
            rf.row(2, **{"사업장명": ""}),
            rf.row(3, dong="없는동"),
            rf.row(4, **{"관리번호": ""}),
            rf.row(1, **{"사업장명": "같은 관리번호"}),
            rf.row(5, dong="합정동"),
        ]
        register_import = preview(official, rf.csv_bytes(rows))
        assert register_import.counts["create"] == 2
        assert register_import.counts["refused"] == 4
        lines = {issue["line"]: issue_reason(issue) for issue in register_import.refused}
        assert set(lines) == {3, 4, 5, 6}
        assert "사업장명" in lines[3]
        assert "없는동" in lines[4]
        assert "관리번호가 없습니다" in lines[5]
        assert "중복" in lines[6]
        importing(rf.csv_bytes(rows))
        assert set(Restaurant.objects.filter(register_id__isnull=False).values_list("register_id", flat=True)) == {
            rf.register_id(1),
            rf.register_id(5),
        }

    def test_officials_map_an_unknown_place_and_the_preview_takes_it(self, official, places):
        register_import = preview(official, rf.csv_bytes([rf.row(1, dong="망원동")]))
        assert register_import.counts["refused"] == 1
        services.map_place(register_import=register_import, name="망원동", district=places["망원1동"])
        register_import.refresh_from_db()
        assert (register_import.counts["refused"], register_import.counts["create"]) == (0, 1)


class TestRerunsAndClosing:
    def test_the_same_file_twice_creates_nothing_twice(self, official, importing):
        data = rf.csv_bytes(three_rows())
        importing(data)
        before = dict(Restaurant.objects.values_list("register_id", "id"))
        again = preview(official, data)
        assert (again.counts["create"], again.counts["update"], again.counts["unchanged"]) == (0, 0, 3)
        importing(data)
        assert dict(Restaurant.objects.values_list("register_id", "id")) == before

    def test_next_months_file_updates_in_place_and_closes(self, official, importing, f, places):
        importing(rf.csv_bytes(three_rows()))
        owner_kept = f.UserFactory(username="owner-of-1", role="owner")
        Restaurant.objects.filter(register_id=rf.register_id(1)).update(owner=owner_kept, business_number="1248100998")
        next_month = [
            rf.row(1, **{"사업장명": "마포식당 새 이름", "소재지전화": "02-555-0101", "업태구분명": "분식"}),
            rf.row(2, dong="합정동", closed_on="2026-10-20"),
            rf.row(3, dong="서교동", place=rf.SEOUL_CITY_HALL, **{"업태구분명": "호프/통닭"}),
            rf.row(9, closed_on="2019-01-05"),  # closed long ago, never imported
        ]
        register_import = preview(official, rf.csv_bytes(next_month))
        assert register_import.counts == {
            "create": 0,
            "update": 1,
            "close": 1,
            "unchanged": 1,
            "skipped": 1,
            "refused": 0,
            "rows": 4,
            "without_location": 0,
        }
        done = importing(rf.csv_bytes(next_month))
        assert done.written == {"create": 0, "update": 1, "close": 1, "unchanged": 1, "skipped": 1}
        first = Restaurant.objects.get(register_id=rf.register_id(1))
        assert (first.name, first.phone, first.business_type) == ("마포식당 새 이름", "02-555-0101", "snack")
        assert (first.owner, first.business_number) == (owner_kept, "1248100998")  # the import leaves them alone
        second = Restaurant.objects.get(register_id=rf.register_id(2))
        assert (second.status, str(second.closed_on)) == ("closed", "2026-10-20")
        assert second.name == "마포식당 2"
        assert not Restaurant.objects.filter(register_id=rf.register_id(9)).exists()

    def test_restaurants_numbered_one_after_another_however_often_the_register_runs(self, official, importing, f):
        """A restaurant's number is its bit in the rollups: the runs that only update
        restaurants spend none, so the numbers stay dense and the bit strings short."""
        importing(rf.csv_bytes(three_rows()))
        numbers = sorted(Restaurant.objects.values_list("number", flat=True))
        importing(rf.csv_bytes([rf.row(1, **{"사업장명": "새 이름"}), *three_rows()[1:]]))
        importing(rf.csv_bytes([*three_rows(), rf.row(4, dong="합정동")]))

        fourth = Restaurant.objects.get(register_id=rf.register_id(4))
        fifth = f.RestaurantFactory(district=fourth.district)
        assert numbers == list(range(numbers[0], numbers[0] + 3))
        assert (fourth.number, fifth.number) == (numbers[-1] + 1, numbers[-1] + 2)


class TestKilledImport:
    def test_an_import_stopped_after_a_chunk_resumes_without_duplicates(self, official, places):
        rows = [rf.row(n, dong=("서교동", "합정동")[n % 2]) for n in range(1, 8)]
        register_import = preview(official, rf.csv_bytes(rows))
        services.confirm_import(register_import=register_import, by=official)

        assert runs.run_import(import_id=register_import.id, chunk_size=3, max_chunks=1) == ImportStatus.RUNNING
        register_import.refresh_from_db()
        assert (register_import.done, register_import.total) == (3, 7)
        assert register_import.cursor == rf.register_id(3)
        assert Restaurant.objects.filter(register_id__isnull=False).count() == 3

        # The next worker resumes after the cursor; one that redoes a chunk writes it again, identically.
        RegisterImport.objects.filter(id=register_import.id).update(cursor=rf.register_id(2))
        assert runs.run_import(import_id=register_import.id, chunk_size=3) == ImportStatus.DONE
        register_import.refresh_from_db()
        assert (register_import.status, register_import.done) == (ImportStatus.DONE, 7)
        assert Restaurant.objects.filter(register_id__isnull=False).count() == 7
        assert runs.run_import(import_id=register_import.id) == ImportStatus.DONE  # rerun: nothing more

    def test_a_preview_is_not_run_before_it_is_confirmed(self, official, places):
        register_import = preview(official, rf.csv_bytes(three_rows()))
        assert runs.run_import(import_id=register_import.id) == ImportStatus.PREVIEW
        assert Restaurant.objects.filter(register_id__isnull=False).count() == 0


class TestUnreadableFiles:
    @pytest.mark.parametrize(
        "content, code",
        [
            (b"", "register_empty"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "register_unsupported_format"),
            (b"PK\x03\x04 not really a zip", "register_unreadable"),
            (bytes(range(256)) * 10, "register_unreadable"),
            ("이름,주소\n식당,서울\n".encode("cp949"), "register_missing_columns"),
            ("관리번호,사업장명\n1,식당\n".encode(), "register_missing_columns"),
        ],
        ids=["empty", "xls", "broken-zip", "binary", "other-csv", "no-status-or-address"],
    )
    def test_a_file_it_cannot_read_is_a_clear_error_and_writes_nothing(self, official, places, content, code):
        with pytest.raises(DomainError) as raised:
            preview(official, content)
        assert raised.value.code == code
        assert raised.value.message
        assert not RegisterImport.objects.exists()


class TestClosedRestaurants:
    def test_scans_after_the_closing_day_are_refused_and_on_the_day_accepted(self, f, collector, tag):
        import uuid
        from datetime import date, datetime, timedelta
        from zoneinfo import ZoneInfo

        import time_machine

        from backend.collection_events.services import record_collections

        restaurant = tag.bin.restaurant
        restaurant.close(on=date(2026, 10, 20))
        seoul = ZoneInfo("Asia/Seoul")

        def scan(at):
            event = {
                "id": str(uuid.uuid4()),
                "tag": tag.url,
                "weight_kg": "3.2",
                "collected_at": at.isoformat(),
                "source": "nfc",
            }
            with time_machine.travel(at + timedelta(minutes=1), tick=False):
                return record_collections(collector=collector, events=[event])[0]

        on_the_day = scan(datetime(2026, 10, 20, 23, 50, tzinfo=seoul))
        after = scan(datetime(2026, 10, 21, 0, 10, tzinfo=seoul))
        assert on_the_day.error is None
        assert after.error.code == "restaurant_closed"
        assert "2026-10-20" in after.error.message


def test_names_with_tabs_backslashes_and_line_breaks_are_stored_as_written(official, importing):
    name = "탭\t식당 \\ 둘째 줄\n끝"
    importing(rf.csv_bytes([rf.row(1, **{"사업장명": name})], encoding="utf-8-sig"))
    assert Restaurant.objects.get(register_id=rf.register_id(1)).name == name


def test_register_crs_command_shows_how_far_each_system_lands_from_a_known_place(settings):
    import io

    from django.core.management import call_command

    x, y = rf.tm_of(*rf.MAPO_OFFICE)
    out = io.StringIO()
    call_command("register_crs", x, y, "--lat", str(rf.MAPO_OFFICE[0]), "--lng", str(rf.MAPO_OFFICE[1]), stdout=out)
    lines = {line.split()[0]: line for line in out.getvalue().splitlines()}
    assert "REGISTER_SOURCE_CRS" in lines["EPSG:2097"]
    assert float(lines["EPSG:2097"].split(" m from")[0].split()[-1]) < 5
    assert 230 < float(lines["EPSG:5174"].split(" m from")[0].split()[-1]) < 280
