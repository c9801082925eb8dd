"""The texts the crew app's screens show, drawn on the phone by the app's scripts.

Each is an English msgid under the context "crew app" (so that a word the app uses,
"Open", "Save", never takes another page's Korean); the Korean is in
backend/locale/ko/LC_MESSAGES/django.po like every other text. The scripts call
`t("…")` (`static/crew/i18n.js`) with the msgid itself; the shell carries the catalog
of those texts in the visitor's language (`json_script`), so the phone keeps it with
the page it keeps for offline use. `TEXTS` below is what `makemessages` reads;
tests/crew/test_texts.py checks it names exactly the texts the scripts use.
"""

import functools
import re

from django.utils.translation import pgettext, pgettext_lazy

from backend.crew import shell

CONTEXT = "crew app"

TEXTS = (
    # The stops screen (screen_stops.js)
    pgettext_lazy("crew app", "Today's stops"),
    pgettext_lazy("crew app", "Identify a bin"),
    pgettext_lazy("crew app", "Scan QR"),
    pgettext_lazy("crew app", "Read NFC tag"),
    pgettext_lazy("crew app", "Manual code (ABCD-EFGH-K)"),
    pgettext_lazy("crew app", "Open"),
    pgettext_lazy("crew app", "%(count)s of 9 characters"),
    pgettext_lazy("crew app", "The check character does not match: check the label."),
    pgettext_lazy("crew app", "Checked %(code)s"),
    pgettext_lazy("crew app", "This tag holds no web address."),
    pgettext_lazy("crew app", "Could not read the tag: hold it again."),
    pgettext_lazy("crew app", "Hold the tag to the back of the phone."),
    pgettext_lazy("crew app", "NFC cannot be used: turn NFC on and allow it."),
    pgettext_lazy("crew app", "Loading today's stops."),
    pgettext_lazy("crew app", "Today's stops are not on the phone yet; they load when connected."),
    pgettext_lazy("crew app", "%(left)s left of %(total)s"),
    pgettext_lazy("crew app", "Next"),
    pgettext_lazy("crew app", "All of today's stops are done."),
    pgettext_lazy("crew app", "The whole round"),
    pgettext_lazy("crew app", "Done"),
    pgettext_lazy("crew app", "To do"),
    pgettext_lazy("crew app", "Pickup request"),
    pgettext_lazy("crew app", "Refused by the server"),
    pgettext_lazy("crew app", "Dismiss"),
    pgettext_lazy("crew app", "The photo could not be attached"),
    pgettext_lazy("crew app", "Saved: %(restaurant)s, %(what)s"),
    pgettext_lazy("crew app", "Saved: %(what)s"),
    pgettext_lazy("crew app", "This visit was already saved"),
    # The weighing screen (screen_weigh.js)
    pgettext_lazy("crew app", "Weigh"),
    pgettext_lazy("crew app", "Restaurant"),
    pgettext_lazy("crew app", "Bin"),
    pgettext_lazy("crew app", "Address"),
    pgettext_lazy("crew app", "Code"),
    pgettext_lazy("crew app", "Not in the list: the server will check it"),
    pgettext_lazy("crew app", "Weight (kg)"),
    pgettext_lazy("crew app", "Delete the last digit"),
    pgettext_lazy("crew app", "Not collected"),
    pgettext_lazy("crew app", "Not put out"),
    pgettext_lazy("crew app", "Contaminated"),
    pgettext_lazy("crew app", "Overfilled"),
    pgettext_lazy("crew app", "Bin damaged"),
    pgettext_lazy("crew app", "No access"),
    pgettext_lazy("crew app", "Tag unreadable"),
    pgettext_lazy("crew app", "Photo (optional)"),
    pgettext_lazy("crew app", "Take a photo"),
    pgettext_lazy("crew app", "Or choose a photo file"),
    pgettext_lazy("crew app", "Camera view"),
    pgettext_lazy("crew app", "Capture"),
    pgettext_lazy("crew app", "Close"),
    pgettext_lazy("crew app", "Photo to attach"),
    pgettext_lazy("crew app", "Remove photo"),
    pgettext_lazy("crew app", "No camera: choose a photo file."),
    pgettext_lazy("crew app", "Save"),
    pgettext_lazy("crew app", "Cancel"),
    pgettext_lazy("crew app", "Position ±%(metres)s m"),
    pgettext_lazy("crew app", "No GPS position"),
    pgettext_lazy("crew app", "Type the weight in kg, or choose why it was not collected. For example: 12.5"),
    # The scanner screen (screen_scan.js)
    pgettext_lazy("crew app", "Hold the QR code in the middle of the screen."),
    pgettext_lazy("crew app", "The camera is not allowed: type the manual code."),
    pgettext_lazy("crew app", "No camera: type the manual code."),
)

# t("…") and tx("…") in the app's scripts: a msgid in single or double quotes.
_CALL = re.compile(r"""\bt[x]?\(\s*(?:'([^'\\]*)'|"([^"\\]*)")""")


@functools.cache
def script_texts() -> tuple[str, ...]:
    """Every msgid the app's scripts ask for, in the order they first appear."""
    found: dict[str, None] = {}
    for path in shell.script_files():
        for single, double in _CALL.findall(path.read_text(encoding="utf-8")):
            found[single or double] = None
    return tuple(found)


def catalog() -> dict[str, str]:
    """The app's texts in the active language: msgid → what the screen shows (English:
    the msgid itself)."""
    return {msgid: pgettext(CONTEXT, msgid) for msgid in script_texts()}
