"""Sane bounds for dates and times a caller sends.

The system bills collections that happen now; a date in year 1 or 9999, or a time
with an offset no place on earth uses (+20:00, which PostgreSQL refuses), is a typo or
an attack, never data. Each domain rule that reads a date checks it here first, and
answers with a stable code instead of failing deep inside the database.
"""

from datetime import date, datetime, timedelta

from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError

FIRST_YEAR = 2000
LAST_YEAR = 2100
#: Offsets in use on earth run from -12:00 to +14:00.
MAX_UTC_OFFSET = timedelta(hours=14)


def year_in_range(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


def checked_day(day: date, field: str) -> date:
    """The day itself, or `date_out_of_range` when its year is outside 2000–2100."""
    if not year_in_range(day.year):
        raise _out_of_range(field)
    return day


def checked_moment(moment: datetime, field: str) -> datetime:
    """The moment itself, or `date_out_of_range` for a year outside 2000–2100 or an
    offset beyond ±14:00. Naive moments are the caller's business (forms make them aware)."""
    offset = moment.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise DomainError(
            "invalid_utc_offset",
            _("The UTC offset must be between -14:00 and +14:00."),
            fields={field: ["UTC offset between -14:00 and +14:00"]},
        )
    if not year_in_range(moment.year):
        raise _out_of_range(field)
    return moment


def _out_of_range(field: str) -> DomainError:
    return DomainError(
        "date_out_of_range",
        _("Dates must be between %(first)s and %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
        fields={field: [f"a date between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"]},
    )


#: Free-text limits, the same in the API's serializers and the pages' forms.
REASON_MAX_LENGTH = 2000  # a dispute, a decision, a pickup request's step
NOTE_MAX_LENGTH = 1000  # an owner's note on a pickup request


def checked_text(text: str, field: str, max_length: int) -> str:
    """Free text a person typed: at most `max_length` characters, without NUL (which
    PostgreSQL cannot store) or lone surrogates; `text_too_long` / `invalid_text`."""
    if len(text) > max_length:
        raise DomainError(
            "text_too_long",
            _("At most %(count)s characters.") % {"count": max_length},
            fields={field: [f"at most {max_length} characters"]},
        )
    if "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
        raise DomainError(
            "invalid_text",
            _("The text contains characters that cannot be stored."),
            fields={field: ["no NUL or unpaired surrogate characters"]},
        )
    return text
