"""Korean by default, English through Django's set_language view (/i18n/setlang/), and
back; the choice is kept in the language cookie. A page in English has no Korean left
outside what is marked lang="ko" (names from the register, the models' Korean labels)."""

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.urls import reverse

from tests.owner.conftest import SEOUL

pytestmark = pytest.mark.django_db

HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
TEXT_ATTRIBUTES = ("alt", "aria-label", "title", "placeholder", "value")


class _KoreanOutsideLangKo(HTMLParser):
    """Every Korean text (and readable attribute) not inside an element marked lang="ko"."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, str | None]] = []
        self.found: list[str] = []

    def _lang(self) -> str | None:
        return next((lang for _, lang in reversed(self.stack) if lang), None)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        lang = attributes.get("lang") or self._lang()
        if lang != "ko":
            self.found += [
                f"<{tag} {name}={value!r}>"
                for name, value in attrs
                if name in TEXT_ATTRIBUTES and value and HANGUL.search(value)
            ]
        if tag not in self.VOID:
            self.stack.append((tag, attributes.get("lang")))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self.stack and self.stack[-1][0] in ("script", "style"):
            return
        if HANGUL.search(data) and self._lang() != "ko":
            self.found.append(data.strip())


def korean_outside_lang_ko(html: str) -> list[str]:
    parser = _KoreanOutsideLangKo()
    parser.feed(html)
    return parser.found


def test_the_checker_finds_unmarked_korean_so_the_tests_below_can_fail():
    assert korean_outside_lang_ko('<html lang="en"><p>수거 <span lang="ko">주방</span></p><img alt="사진"></html>') == [
        "수거",
        "<img alt='사진'>",
    ]
    assert korean_outside_lang_ko('<html lang="ko"><p>수거</p></html>') == []


@pytest.fixture
def english_names(tag):
    """Names in the register written in English, so only the pages' own words are left."""
    restaurant = tag.bin.restaurant
    restaurant.name, restaurant.address = "Grandma's Sundae", "12 Wausan-ro"
    restaurant.save(update_fields=["name", "address"])
    tag.bin.label = "Kitchen 1"
    tag.bin.save(update_fields=["label"])
    district = restaurant.district
    district.name = "Seogyo-dong"
    district.save(update_fields=["name"])
    return tag


def test_pages_are_korean_by_default_whatever_the_browser_asks(client, owner, english_names, now):
    client.force_login(owner)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="ko">' in page and "이번 달 지금까지" in page and "This month so far" not in page
    assert 'name="language" value="en" lang="en">English</button>' in page


def test_switching_to_english_and_back_through_set_language(client, owner, english_names, pickup, now):
    event = pickup(datetime(2026, 11, 19, 9, tzinfo=SEOUL), grams=7_000)
    client.force_login(owner)
    response = client.post("/i18n/setlang/", {"language": "en", "next": reverse("owner-pickups")})
    assert response.status_code == 302 and response["Location"] == reverse("owner-pickups")
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    pages = [
        reverse("home"),
        reverse("owner-bins"),
        reverse("owner-pickups"),
        reverse("notices:list"),
        f"/t/{english_names.code}",
    ]
    for url in pages:
        page = client.get(url, follow=True).content.decode()
        assert '<html lang="en">' in page, url
        assert korean_outside_lang_ko(page) == [], url
    home = client.get(reverse("home")).content.decode()
    assert "This month so far" in home and "7.000 kg" in home and "1,050 won" in home
    assert 'name="language" value="ko" lang="ko">한국어</button>' in home
    pickups = client.get(reverse("owner-pickups")).content.decode()
    assert "19 Nov 2026, 09:00" in pickups

    client.post("/i18n/setlang/", {"language": "ko", "next": reverse("home")})
    home = client.get(reverse("home")).content.decode()
    assert '<html lang="ko">' in home and "이번 달 지금까지" in home and "This month so far" not in home
    assert "1,050원" in home
    assert client.get(reverse("owner-receipt", args=[event.id])).status_code == 200


def test_a_language_the_site_does_not_have_falls_back_to_korean(client, owner, now):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    client.force_login(owner)
    assert '<html lang="ko">' in client.get(reverse("home")).content.decode()
