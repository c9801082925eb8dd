"""A tag URL with a code no tag can have is a plain 404 page, never a 500."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path", ["/t/%00", "/t/abc%00def", "/t/%ED%A0%80", "/t/" + "a" * 5000, "/t/%20", "/t/%EC%BD%94%EB%93%9C", "/t/a.b"]
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_an_odd_tag_code_is_not_found(client, collector, path, signed_in):
    if signed_in:
        client.force_login(collector)
    response = client.get(path)
    assert response.status_code == 404
    assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_a_real_tag_code_still_opens_the_page(client, tag):
    assert client.get(f"/t/{tag.code}").status_code == 200


def test_a_manual_code_with_a_wrong_check_character_says_so_in_one_language(client, tag):
    from django.conf import settings

    code = tag.manual_code
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    page = client.get(f"/t/{wrong}").content.decode()
    assert "수동 코드를 다시 확인해 주세요. 마지막 글자인 확인 문자가 맞지 않습니다." in page
    assert "check character" not in page
    assert '<a class="tap" href="/">처음으로</a>' in page  # a tap target, 44 px (site.css)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/t/{wrong}").content.decode()
    assert "Check the manual code again: its last character, the check character, does not match." in page
    assert "수동 코드" not in page
