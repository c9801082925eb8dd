"""The crew app's screens speak the site's language: the shell carries the texts the
scripts draw, in Korean unless the language cookie says English, and every one of them
has its Korean in the catalog. (In the browser: tests/browser/test_crew_language.py.)"""

import ast
import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings

from backend.crew import shell, texts

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _listed_texts() -> list[str]:
    """The msgids of texts.TEXTS, read from the source as makemessages reads them."""
    tree = ast.parse(Path(texts.__file__).read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return [
        node.args[1].value
        for node in calls
        if getattr(node.func, "id", None) == "pgettext_lazy" and node.args[0].value == texts.CONTEXT
    ]


def _shell(client, language=None):
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/crew/weigh")
    page = response.content.decode()
    match = re.search(r'<script id="crew-texts" type="application/json">(.*?)</script>', page, re.S)
    assert match, "the shell carries no texts"
    return response, page, json.loads(unescape(match.group(1)))


def test_the_texts_makemessages_reads_are_the_ones_the_scripts_use():
    listed = _listed_texts()
    assert len(listed) == len(set(listed))
    assert sorted(listed) == sorted(texts.script_texts())


def test_the_scripts_reader_finds_texts_so_the_check_above_can_fail():
    used = texts.script_texts()
    assert "Scan QR" in used and "Today's stops" in used  # single and double quotes
    assert "Saved: %(restaurant)s, %(what)s" in used  # tx(), with placeholders
    assert all(path.name != "jsQR.js" for path in shell.script_files())


def test_the_shell_is_korean_by_default(client, collector):
    client.force_login(collector)
    _, page, catalog = _shell(client)
    assert '<html lang="ko"' in page
    assert set(catalog) == set(texts.script_texts())
    assert catalog["Save"] == "저장" and catalog["Not put out"] == "미배출"
    # A stop an owner asked for: an extra pickup or a missed-pickup report, so not "추가 수거".
    assert catalog["Pickup request"] == "수거 요청"
    assert catalog["%(left)s left of %(total)s"] == "남은 곳 %(left)s / 전체 %(total)s"
    assert [msgid for msgid, text in catalog.items() if not HANGUL.search(text)] == []


def test_the_shell_is_english_when_the_crew_chose_english(client, collector):
    client.force_login(collector)
    _, page, catalog = _shell(client, "en")
    assert '<html lang="en"' in page
    assert catalog == {msgid: msgid for msgid in texts.script_texts()}
    assert "0</strong> waiting" in page and "English" not in page.split("</header>")[0].split("language-switch")[1]


def test_the_switch_brings_the_crew_back_and_the_next_shell_follows(client, collector):
    client.force_login(collector)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/crew/weigh?tag=X&source=qr"})
    assert (response.status_code, response["Location"]) == (302, "/crew/weigh?tag=X&source=qr")
    _, page, catalog = _shell(client)
    assert '<html lang="en"' in page and catalog["Save"] == "Save"


def test_the_shell_names_its_release_for_the_service_worker(client, collector):
    """The service worker keeps a fresh shell (its language) only when it is of its own release."""
    client.force_login(collector)
    response = client.get("/crew/")
    assert response["X-Crew-Release"] == shell.release()
    script = client.get("/crew/sw.js").content.decode()
    assert "response.headers.get('X-Crew-Release') !== RELEASE" in script


@pytest.mark.parametrize(("language", "name"), [(None, "수거 기록: 스캔과 계량"), ("en", "Crew: scan and weigh")])
def test_the_manifest_follows_the_language(client, db, language, name):
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    manifest = json.loads(client.get("/crew/manifest.webmanifest").content)
    assert (manifest["name"], manifest["lang"]) == (name, language or "ko")
