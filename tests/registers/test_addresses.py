"""The 동 a restaurant's register addresses name, for the reports' grouping by 동."""

import pytest

from backend.registers.addresses import dong


@pytest.mark.parametrize(
    ("lot", "road", "expected"),
    [
        ("서울특별시 마포구 서교동 123-4", "서울특별시 마포구 양화로 45 (서교동)", "서교동"),
        ("", "서울특별시 마포구 양화로 45, 2층 (합정동)", "합정동"),
        ("", "서울특별시 마포구 양화로 45 (서교동, 메세나폴리스)", "서교동"),
        ("서울특별시 종로구 종로1가 1", "", "종로1가"),
        ("경기도 고양시 일산서구 주엽동 산 12", "", "주엽동"),
        ("", "서울특별시 마포구 양화로 45", ""),
        ("", "", ""),
    ],
)
def test_the_dong_comes_from_the_lot_address_or_the_road_address_note(lot, road, expected):
    assert dong(lot, road) == expected
