"""Licence register files (지방행정 인허가 데이터, 일반음식점) in the layout officials download:
the real column set and order, CP949 or UTF-8 (with BOM), or XLSX; coordinates in
중부원점 TM (EPSG:2097). Used by the tests and by bench/bench_register_import.py."""

import contextlib
import csv
import io
from functools import lru_cache

# The columns of the 일반음식점 download, in its order.
HEADER = [
    "번호", "개방서비스명", "개방서비스아이디", "개방자치단체코드", "관리번호", "인허가일자", "인허가취소일자",
    "영업상태구분코드", "영업상태명", "상세영업상태코드", "상세영업상태명", "폐업일자", "휴업시작일자",
    "휴업종료일자", "재개업일자", "소재지전화", "소재지면적", "소재지우편번호", "소재지전체주소",
    "도로명전체주소", "도로명우편번호", "사업장명", "최종수정시점", "데이터갱신구분", "데이터갱신일자",
    "업태구분명", "좌표정보(x)", "좌표정보(y)", "위생업태명", "남성종사자수", "여성종사자수",
    "영업장주변구분명", "등급구분명", "급수시설구분명", "총직원수", "본사직원수", "공장사무직직원수",
    "공장판매직직원수", "공장생산직직원수", "건물소유구분명", "보증액", "월세액", "다중이용업소여부",
    "시설총규모", "전통업소지정번호", "전통업소주된음식", "홈페이지",
]  # fmt: skip

# Known places (WGS84 lat, lng) used as restaurants' locations.
MAPO_OFFICE = (37.566324, 126.901491)  # 마포구청
HONGIK_STATION = (37.557192, 126.924863)  # 홍대입구역
SEOUL_CITY_HALL = (37.566535, 126.977969)


@lru_cache(maxsize=2)
def _to_tm(crs: str):
    import pyproj

    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def tm_of(lat: float, lng: float, crs: str = "EPSG:2097") -> tuple[str, str]:
    x, y = _to_tm(crs).transform(lng, lat)
    return f"{x:.9f}", f"{y:.9f}"


def register_id(n: int) -> str:
    return f"3130000-101-{2000 + n % 25}-{n:05d}"


def row(n: int = 1, *, place=HONGIK_STATION, dong="서교동", closed_on="", **overrides) -> dict:
    """One 일반음식점 row; `closed_on` makes it a 폐업 row."""
    x, y = tm_of(*place) if place else ("", "")
    values = {
        "번호": str(n),
        "개방서비스명": "일반음식점",
        "개방서비스아이디": "07_24_04_P",
        "개방자치단체코드": "3130000",
        "관리번호": register_id(n),
        "인허가일자": "2015-03-02",
        "영업상태구분코드": "03" if closed_on else "01",
        "영업상태명": "폐업" if closed_on else "영업/정상",
        "상세영업상태코드": "02" if closed_on else "01",
        "상세영업상태명": "폐업" if closed_on else "영업",
        "폐업일자": closed_on,
        "소재지전화": "02 3142 1234",
        "소재지면적": "84.5",
        "소재지우편번호": "121-840",
        "소재지전체주소": f"서울특별시 마포구 {dong} {300 + n % 200}-{n % 30 + 1}",
        "도로명전체주소": f"서울특별시 마포구 양화로 {n % 180 + 1}, 1층 ({dong})",
        "도로명우편번호": "04039",
        "사업장명": f"마포식당 {n}",
        "최종수정시점": "2026-10-01 10:20:30",
        "데이터갱신구분": "U",
        "데이터갱신일자": "2026-10-03 02:40:00.0",
        "업태구분명": "한식",
        "좌표정보(x)": x,
        "좌표정보(y)": y,
        "위생업태명": "한식",
        "시설총규모": "84.5",
        "다중이용업소여부": "N",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict], *, encoding: str = "cp949", header: list[str] | None = None) -> bytes:
    """`encoding`: "cp949", "utf-8-sig" (with BOM) or "utf-8". `header` renames or
    reorders columns: a row's keys are the default names."""
    names = header or HEADER
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([name for name in names])
    for values in rows:
        writer.writerow([values.get(_default_name(name), "") for name in names])
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict], *, header: list[str] | None = None) -> bytes:
    import openpyxl

    names = header or HEADER
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("일반음식점")
    sheet.append(names)
    for values in rows:
        cells = []
        for name in names:
            value = values.get(_default_name(name), "")
            if _default_name(name) in ("좌표정보(x)", "좌표정보(y)", "시설총규모") and value:
                with contextlib.suppress(ValueError):
                    value = float(value)  # as Excel stores numbers
            cells.append(value)
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# Header names as other downloads spell them → the key used in `row()`.
_ALIASES = {
    "좌표정보X": "좌표정보(x)",
    "좌표정보(X)": "좌표정보(x)",
    "좌표정보Y": "좌표정보(y)",
    "좌표정보(Y)": "좌표정보(y)",
    "좌표정보x(EPSG5174)": "좌표정보(x)",
    "좌표정보y(EPSG5174)": "좌표정보(y)",
    "전화번호": "소재지전화",
    "지번주소": "소재지전체주소",
    "도로명주소": "도로명전체주소",
}


def _default_name(name: str) -> str:
    return _ALIASES.get(name, name)
