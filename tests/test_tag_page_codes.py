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
