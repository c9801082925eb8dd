"""The manual code's check character and the tag code's shape. Pure: no database."""

import string

from hypothesis import given
from hypothesis import strategies as st

from backend.restaurants import business_numbers
from backend.tags import codes

manual_bodies = st.text(alphabet=codes.MANUAL_ALPHABET, min_size=8, max_size=8)


@given(manual_bodies)
def test_every_single_wrong_character_is_caught(body):
    code = body + codes.manual_check_character(body)
    assert codes.is_valid_manual_code(code)
    for position in range(len(code)):
        for wrong in codes.MANUAL_ALPHABET:
            if wrong != code[position]:
                typo = code[:position] + wrong + code[position + 1 :]
                assert not codes.is_valid_manual_code(typo), (code, typo)


@given(manual_bodies)
def test_every_swap_of_neighbours_is_caught(body):
    code = body + codes.manual_check_character(body)
    for position in range(len(code) - 1):
        a, b = code[position], code[position + 1]
        if a != b:
            swapped = code[:position] + b + a + code[position + 2 :]
            assert not codes.is_valid_manual_code(swapped), (code, swapped)


def test_lookalike_letters_are_read_as_digits():
    code = codes.new_manual_code()
    spelled = codes.format_manual_code(code).lower().replace("0", "o").replace("1", "l")
    assert codes.parse_tag_reference(spelled).manual_code == code


def test_new_codes_carry_80_random_bits_in_a_short_url_path():
    code = codes.new_code()
    assert len(code) == 16 and set(code) <= set(string.ascii_lowercase + "234567")
    assert len(code) * 5 >= 80
    assert len(f"/t/{code}") <= 36


def test_parse_tag_reference_accepts_url_with_query_string():
    code = codes.new_code()
    assert codes.parse_tag_reference(f"https://city.example/t/{code}?picc_data=AA&cmac=BB").code == code


def test_business_number_examples_from_the_tax_service():
    for valid in ["124-81-00998", "220-81-62517", "120-81-47521"]:
        assert business_numbers.is_valid(valid)
    assert not business_numbers.is_valid("123-45-67890")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9))
def test_exactly_one_tenth_digit_is_valid(first_nine, tenth):
    assert business_numbers.is_valid(first_nine + str(tenth)) == (tenth == business_numbers.check_digit(first_nine))


def test_a_blank_business_number_is_shown_blank():
    assert business_numbers.formatted("") == ""
    assert business_numbers.formatted("1248100998") == "124-81-00998"
