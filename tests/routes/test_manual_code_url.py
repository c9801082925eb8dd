"""`/t/<manual code>`, the code printed on the label, opens the tag's page."""

import pytest

from backend.tags import codes


@pytest.mark.parametrize("spelling", ["plain", "dashes", "lower", "lookalikes"])
def test_the_manual_code_any_spelling_redirects_to_the_tag(client, tag, spelling):
    manual = tag.manual_code
    typed = {
        "plain": manual,
        "dashes": codes.format_manual_code(manual),
        "lower": codes.format_manual_code(manual).lower(),
        "lookalikes": manual.replace("0", "O").replace("1", "I"),
    }[spelling]
    response = client.get(f"/t/{typed}")
    assert response.status_code == 302
    assert response["Location"] == f"/t/{tag.code}"


def test_the_query_string_is_kept(client, tag):
    response = client.get(f"/t/{tag.manual_code}?picc_data=ABC&cmac=DEF")
    assert response["Location"] == f"/t/{tag.code}?picc_data=ABC&cmac=DEF"


def test_a_wrong_check_character_says_so(client, tag):
    body, check = tag.manual_code[:8], tag.manual_code[8]
    wrong = next(c for c in codes.MANUAL_ALPHABET if c != check)
    response = client.get(f"/t/{body}{wrong}")
    assert response.status_code == 404
    assert "수동 코드를 다시 확인해 주세요" in response.content.decode()


def test_a_valid_manual_code_no_tag_has_is_not_found(client, tag):
    other = codes.new_manual_code()
    assert client.get(f"/t/{other}").status_code == 404
