"""Report ranges: whole local days, from one date to another, both included; or
whole local months (the open data).

A range is handed to the database as aware datetimes, local midnight of the first day
to local midnight after the last, so a scan at 23:59:59 on 31 October Seoul time is
October's whatever offset the device sent.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from backend.core.bounds import checked_day
from backend.core.errors import DomainError
from backend.municipalities.local_time import days_bounds, local_midnight

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: \d takes any script's
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")

#: A leap year and a day: a year's report from any date still fits. The longest range
#: of the reports that read the scans themselves (by restaurant, scan quality).
MAX_DAYS = 366
#: Two years of months: a year beside the year before it.
MAX_MONTHS = 24
#: What the open data gives when no months are asked for: the last year of ended months.
DEFAULT_MONTHS = 12
#: Volume read from the daily rollups (docs/reports.md) costs one row per cell and day,
#: so any range across years is cheap: 25 years, past any record a city keeps online.
MAX_ROLLUP_DAYS = 25 * 366


@dataclass(frozen=True, slots=True)
class DateRange:
    first_day: date
    last_day: date

    @classmethod
    def parse(cls, first: str | None, last: str | None, *, max_days: int = MAX_DAYS) -> "DateRange":
        first_day, last_day = _date(first, "from"), _date(last, "to")
        return cls.of(first_day, last_day, max_days=max_days)

    @classmethod
    def of(cls, first_day: date, last_day: date, *, max_days: int = MAX_DAYS) -> "DateRange":
        if last_day < first_day:
            raise DomainError(
                "invalid_date_range",
                _("The end date is before the start date."),
                fields={"to": ["on or after from"]},
            )
        days = (last_day - first_day).days + 1
        if days > max_days:
            raise DomainError(
                "date_range_too_long",
                format_lazy(_("A report covers at most {span}."), span=span_text(max_days)),
                fields={"to": [f"at most {max_days} days from from, both included"]},
            )
        return cls(first_day, last_day)

    @classmethod
    def last_and_this_month(cls, today: date) -> "DateRange":
        """The pages' default: the 1st of last month to the end of this one."""
        this_month = today.replace(day=1)
        last_month = (this_month - timedelta(days=1)).replace(day=1)
        next_month = (this_month + timedelta(days=31)).replace(day=1)
        return cls(last_month, next_month - timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.first_day + timedelta(days=n) for n in range((self.last_day - self.first_day).days + 1)]

    @property
    def months(self) -> list[date]:
        """The first day of every month the range touches."""
        months, month = [], self.first_day.replace(day=1)
        while month <= self.last_day:
            months.append(month)
            month = (month + timedelta(days=31)).replace(day=1)
        return months

    @property
    def weeks(self) -> list[date]:
        """The Monday of every (ISO) week the range touches."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        return [monday + timedelta(weeks=n) for n in range((self.last_day - monday).days // 7 + 1)]

    @property
    def years(self) -> list[date]:
        """1 January of every year the range touches."""
        return [date(year, 1, 1) for year in range(self.first_day.year, self.last_day.year + 1)]

    def year_earlier(self, *, weeks: bool = False) -> "DateRange":
        """The same days a year before: by date (29 February becomes the 28th), or for
        weekly figures 52 weeks before, so that each week keeps its weekdays."""
        if weeks:
            return DateRange(self.first_day - timedelta(weeks=52), self.last_day - timedelta(weeks=52))
        return DateRange(year_earlier(self.first_day), year_earlier(self.last_day))

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes."""
        return days_bounds(self.first_day, self.last_day, zone)


def span_text(days: int) -> str:
    """A longest range as a person says it: 25 × 366 days is "25 years" (25년), a
    whole number of leap years; anything else in days ("366 days", 366일)."""
    if days > 366 and days % 366 == 0:
        years = days // 366
        return ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def year_earlier(day: date) -> date:
    """The same date a year before; 29 February falls on the 28th."""
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def _date(text: str | None, field: str) -> date:
    # fromisoformat alone would also take "20261031" and week dates.
    if text and _ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            # Written right, but no such day on the calendar (2026-02-29, 2026-04-31, 2026-13-01).
            raise DomainError(
                "no_such_date",
                format_lazy(_("{day} does not exist on the calendar."), day=text),
                fields={field: ["a day that exists, e.g. 2026-02-28"]},
            ) from None
        return checked_day(day, field)
    raise DomainError(
        "invalid_date",
        _("Dates must look like 2026-10-31."),
        fields={field: ["expected YYYY-MM-DD"]},
    )


def add_months(month: date, count: int) -> date:
    """The 1st of the month `count` months after (or before) `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class MonthRange:
    """Whole local months, `first_month` to `last_month` (each its 1st), both included."""

    first_month: date
    last_month: date

    @classmethod
    def parse(cls, first: str | None, last: str | None, *, latest: date) -> "MonthRange":
        """`YYYY-MM` texts; `latest` is the last month that may be asked for. Without
        `to`, the range ends with `latest`; without `from`, it covers DEFAULT_MONTHS."""
        last_month = _month(last, "to") if last else latest
        first_month = _month(first, "from") if first else add_months(last_month, 1 - DEFAULT_MONTHS)
        if last_month < first_month:
            raise DomainError(
                "invalid_month_range",
                _("The last month is before the first month."),
                fields={"to": ["on or after from"]},
            )
        if add_months(first_month, MAX_MONTHS) <= last_month:
            raise DomainError(
                "month_range_too_long",
                format_lazy(_("At most {months} months at a time."), months=MAX_MONTHS),
                fields={"to": [f"at most {MAX_MONTHS} months from from, both included"]},
            )
        if last_month > latest:
            raise DomainError(
                "month_not_published",
                format_lazy(_("The latest month published is {month}."), month=f"{latest:%Y-%m}"),
                fields={"to": [f"{latest:%Y-%m} or earlier"]},
            )
        return cls(first_month, last_month)

    @property
    def months(self) -> list[date]:
        months, month = [], self.first_month
        while month <= self.last_month:
            months.append(month)
            month = add_months(month, 1)
        return months

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[local midnight of the first month's 1st, local midnight of the 1st after the last month)."""
        return local_midnight(self.first_month, zone), local_midnight(add_months(self.last_month, 1), zone)


def _month(text: str, field: str) -> date:
    match = _ISO_MONTH.fullmatch(text)
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise DomainError(
            "invalid_month",
            _("Months must look like 2026-10."),
            fields={field: ["expected YYYY-MM"]},
        )
    # Year 0 is no date at all; year 1 is refused as out of range like any other.
    return checked_day(date(max(int(match.group(1)), 1), int(match.group(2)), 1), field)
