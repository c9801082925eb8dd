"""Reading tag references the way the server does, and the local bin directory."""

import pytest

from collector_app.reader.directory import (
    MANUAL_ALPHABET,
    BinDirectory,
    manual_code_checks_out,
    normalize_manual_code,
    tag_code_from_url,
)
from tests.collector_app.fake_backend import bin_entry

# Produced by the server's manual_check_character (backend/tags/codes.py).
SERVER_CODES = ["ABCDEFGHR", "12345678Y", "ZZZZ00008"]


@pytest.mark.parametrize("code", SERVER_CODES)
def test_codes_the_server_issues_check_out(code):
    assert manual_code_checks_out(code)


@pytest.mark.parametrize("code", SERVER_CODES)
def test_every_single_typo_and_neighbour_swap_is_caught(code):
    for position in range(len(code)):
        for symbol in MANUAL_ALPHABET:
            if symbol != code[position]:
                assert not manual_code_checks_out(code[:position] + symbol + code[position + 1 :])
        if position + 1 < len(code) and code[position] != code[position + 1]:
            swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
            assert not manual_code_checks_out(swapped)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("ABCD-EFGH-R", "ABCDEFGHR"),
        ("abcd efgh r", "ABCDEFGHR"),
        ("1234-5678-y", "12345678Y"),
        ("ZZZZ-OOOO-8", "ZZZZ00008"),  # O typed for 0
        ("ilil-0000-1", "11110000" + "1"),  # I and L typed for 1
        ("ABCD-EFGH", None),
        ("ABCD-EFGH-RR", None),
        ("ABCD-EFGH-U", None),  # U is not in the alphabet
    ],
)
def test_typed_manual_codes_are_normalized(typed, code):
    assert normalize_manual_code(typed) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("https://waste.example.go.kr/t/abcdefghijklmnop", "abcdefghijklmnop"),
        ("https://waste.example.go.kr/t/abcdefghijklmnop?picc_data=EF96&cmac=94EE", "abcdefghijklmnop"),
        ("abcdefghijklmnop", "abcdefghijklmnop"),
        ("https://waste.example.go.kr/t/abc", None),
        ("https://waste.example.go.kr/x/abcdefghijklmnop", None),
    ],
)
def test_tag_codes_are_read_from_urls(text, code):
    assert tag_code_from_url(text) == code


def test_the_directory_names_the_bin_for_a_url_or_a_manual_code(tmp_path):
    directory = BinDirectory(tmp_path / "bins.sqlite3")
    directory.replace(
        [
            bin_entry(
                code="abcdefghijklmnop", manual_code="ABCDEFGHR", restaurant_name="한솥도시락 서교점", label="주방 뒤"
            ),
            {"id": "no-tag", "restaurant_name": "새 식당", "label": "1", "active_tag": None},
        ]
    )
    by_url = directory.lookup("https://waste.example.go.kr/t/abcdefghijklmnop?cmac=00")
    assert by_url.describe() == "한솥도시락 서교점 / 주방 뒤 120L"
    assert directory.lookup("abcd-efgh-r") == by_url
    assert directory.lookup("https://waste.example.go.kr/t/qrstuvwxyz234567") is None

    directory.replace([])  # a refresh replaces the whole list: a bin that left is forgotten
    assert directory.lookup("ABCDEFGHR") is None
