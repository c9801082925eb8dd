"""Report ranges: whole local days, from one date to another, both included.

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

from backend.core.bounds import checked_day
from backend.core.errors import DomainError
from backend.municipalities.local_time import days_bounds

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

#: A leap year and a day: a year's report from any date still fits. The longest range
#: of the reports that read the scans themselves (by restaurant, scan quality).
MAX_DAYS = 366
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
                format_lazy(_("A report covers at most {days} days."), days=max_days),
                fields={"to": [f"at most {max_days} days after from"]},
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


def year_earlier(day: date) -> date:
    """The same date a year before; 29 February falls on the 28th."""
    return day.replace(year=day.year - 1, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=day.year - 1)


def _date(text: str | None, field: str) -> date:
    # fromisoformat alone would also take "20261031" and week dates.
    if text and _ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return checked_day(day, field)
    raise DomainError(
        "invalid_date",
        _("Dates must look like 2026-10-31."),
        fields={field: ["expected YYYY-MM-DD"]},
    )
