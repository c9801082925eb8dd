"""`labels --api`: bins paged from the backend; only active tags are printed, the rest are counted."""

from pathlib import Path

import pytest
from pypdf import PdfReader

from tag_tools.cli import main
from tests.tag_tools.fake_backend import (
    DISTRICT,
    MANUAL_CODES,
    RESTAURANT,
    TOKEN,
    FakeBackend,
    bin_json,
    tag_json,
)
from tests.tag_tools.pdf_pages import qr_codes_on_pdf_pages

pytestmark = pytest.mark.usefixtures("korean_font")


@pytest.fixture
def district_bins(backend: FakeBackend) -> FakeBackend:
    first, second = tag_json("aaaaaaaaaaaaaaaa", MANUAL_CODES[0]), tag_json("bbbbbbbbbbbbbbbb", MANUAL_CODES[1])
    backend.bin_pages = [
        [bin_json("b1", "김밥천국 서초점", "주방 뒤", first), bin_json("b2", "김밥천국 서초점", "창고 앞", None)],
        [bin_json("b3", "할매순대국", "골목 입구", second)],
    ]
    return backend


@pytest.mark.timeout(30)
def test_a_district_over_two_pages(district_bins: FakeBackend, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "district.pdf"

    status = main(
        ["labels", "--api", district_bins.base_url, "--token", TOKEN, "--district", DISTRICT, "--out", str(out)]
    )

    assert status == 0
    assert [query.get("page", "1") for query in district_bins.queries] == ["1", "2"]
    assert all(query["district"] == DISTRICT for query in district_bins.queries)
    [found] = qr_codes_on_pdf_pages(out)
    assert sorted(barcode.text for barcode in found) == [
        "https://waste.example.go.kr/t/aaaaaaaaaaaaaaaa",
        "https://waste.example.go.kr/t/bbbbbbbbbbbbbbbb",
    ]
    text = PdfReader(out).pages[0].extract_text()
    assert "김밥천국 서초점" in text and "할매순대국" in text and "골목 입구" in text
    assert "창고 앞" not in text
    assert "ABCD-EFGH-" in text
    assert "skipped 1 bins without an active tag" in capsys.readouterr().err


def test_one_restaurant(district_bins: FakeBackend, tmp_path: Path) -> None:
    out = tmp_path / "restaurant.pdf"

    status = main(
        ["labels", "--api", district_bins.base_url, "--token", TOKEN, "--restaurant", RESTAURANT, "--out", str(out)]
    )

    assert status == 0
    assert district_bins.queries == [{"restaurant": RESTAURANT}, {"restaurant": RESTAURANT, "page": "2"}]


def test_a_rejected_token(district_bins: FakeBackend, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "district.pdf"

    status = main(
        ["labels", "--api", district_bins.base_url, "--token", "wrong", "--district", DISTRICT, "--out", str(out)]
    )

    assert status == 4
    assert "[token_rejected]" in capsys.readouterr().err
    assert not out.exists()


def test_an_unreachable_backend(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    status = main(
        [
            "labels",
            "--api",
            "http://127.0.0.1:9",
            "--token",
            TOKEN,
            "--district",
            DISTRICT,
            "--out",
            str(tmp_path / "x.pdf"),
        ]
    )

    assert status == 4
    assert "[backend_unreachable]" in capsys.readouterr().err


def test_nothing_to_print(backend: FakeBackend, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    backend.bin_pages = [[bin_json("b2", "김밥천국 서초점", "창고 앞", None)]]

    status = main(
        [
            "labels",
            "--api",
            backend.base_url,
            "--token",
            TOKEN,
            "--district",
            DISTRICT,
            "--out",
            str(tmp_path / "x.pdf"),
        ]
    )

    assert status == 3
    assert "[no_labels]" in capsys.readouterr().err
