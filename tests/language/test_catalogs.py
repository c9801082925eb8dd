"""The Korean catalog is complete and its compiled .mo (committed: the site runs with no
system gettext) says exactly what the .po says. To fix a failure: add or fill the text in
backend/locale/ko/LC_MESSAGES/django.po, then `make messages`."""

import ast
import gettext
import re
from pathlib import Path

import polib
from django.conf import settings
from django.utils.translation.template import templatize

CATALOGS = sorted(Path(settings.LOCALE_PATHS[0]).glob("*/LC_MESSAGES/django.po"))
TEMPLATES = sorted(Path(settings.BASE_DIR).glob("*/templates/**/*.html"))
CALL = re.compile(r"\b(gettext|ngettext|pgettext|npgettext)\(")
LITERAL = re.compile(r"""u'(?:[^'\\]|\\.)*'|u"(?:[^"\\]|\\.)*\"""")


def _po(path: Path) -> polib.POFile:
    return polib.pofile(str(path))


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return (entry.msgctxt, entry.msgid)


def test_there_is_a_korean_catalog():
    assert [path.parts[-3] for path in CATALOGS] == ["ko"]


def test_every_text_has_a_translation_and_none_is_fuzzy():
    for path in CATALOGS:
        po = _po(path)
        assert not po.metadata_is_fuzzy
        empty = [e.msgid for e in po if not (e.msgstr or (e.msgstr_plural and all(e.msgstr_plural.values())))]
        fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
        assert empty == [] and fuzzy == [], (path, empty, fuzzy)


def test_the_compiled_catalog_says_what_the_po_says():
    for path in CATALOGS:
        mo = path.with_suffix(".mo")
        assert mo.exists(), f"{mo} is missing: run `make messages`"
        with mo.open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        po = _po(path)
        for entry in po:
            if entry.msgid_plural:
                got = (
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                    if entry.msgctxt
                    else compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
                )
                want = entry.msgstr_plural[0]
            else:
                got = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
                want = entry.msgstr
            assert got == want, f"{mo} is older than its .po ({entry.msgid!r}): run `make messages`"
        # Nothing compiled that the .po no longer has.
        assert len(compiled._catalog) == len([e for e in po if e.msgid]) + 1  # + the header


def _template_texts(source: str) -> set[tuple[str | None, str]]:
    """The (context, msgid) of every {% translate %} and {% blocktranslate %} in a template,
    read with Django's own template-to-gettext conversion (what makemessages feeds xgettext)."""
    found = set()
    code = templatize(source)
    for call in CALL.finditer(code):
        # The call's own arguments: the string literals right after it.
        strings = [ast.literal_eval(m.group()) for m in LITERAL.finditer(code, call.end(), call.end() + 2000)]
        context = strings.pop(0) if call.group(1).startswith(("pgettext", "npgettext")) else None
        found.add((context, strings[0]))
    return found


def test_every_translated_text_in_the_templates_is_in_the_korean_catalog():
    known = {_key(e) for e in _po(Path(settings.LOCALE_PATHS[0]) / "ko/LC_MESSAGES/django.po")}
    missing = {
        (str(path.relative_to(settings.BASE_DIR)), text)
        for path in TEMPLATES
        for text in _template_texts(path.read_text())
        if text not in known
    }
    assert missing == set()


def test_the_template_reader_finds_texts_so_the_check_above_can_fail():
    source = '{% load i18n %}{% translate "Pay" %}{% blocktranslate context "x" %}Hi{% endblocktranslate %}'
    texts = _template_texts(source)
    assert texts == {(None, "Pay"), ("x", "Hi")}
