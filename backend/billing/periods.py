"""Billing periods: calendar months in the municipality's own time zone.

A month runs from local 00:00 on the 1st to local 00:00 on the next 1st; its bounds
are handed to the database as aware datetimes (stored in UTC), so a scan at
23:59:59 on 31 October Seoul time is October's whatever offset the device sent.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _

from backend.core.bounds import FIRST_YEAR, LAST_YEAR, year_in_range
from backend.core.errors import DomainError
from backend.municipalities.local_time import local_midnight

_PERIOD = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only: "２０２６-10" is no period


@dataclass(frozen=True, order=True, slots=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Period":
        match = _PERIOD.fullmatch(text or "")
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise DomainError(
                "invalid_period",
                _("Write the month as YYYY-MM, like 2026-10."),
                fields={"period": ["expected YYYY-MM"]},
            )
        year = int(match.group(1))
        if not year_in_range(year):
            raise DomainError(
                "period_out_of_range",
                _("The month must be between %(first)s-01 and %(last)s-12.") % {"first": FIRST_YEAR, "last": LAST_YEAR},
                fields={"period": [f"between {FIRST_YEAR}-01 and {LAST_YEAR}-12"]},
            )
        return cls(year, int(match.group(2)))

    @classmethod
    def of_date(cls, day: date) -> "Period":
        return cls(day.year, day.month)

    @classmethod
    def containing(cls, moment: datetime, zone: ZoneInfo) -> "Period":
        """The period a scan belongs to: the month of its local date."""
        return cls.of_date(moment.astimezone(zone).date())

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> "Period":
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Period":
        return Period(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def plus_months(self, months: int) -> "Period":
        index = self.year * 12 + self.month - 1 + months
        return Period(index // 12, index % 12 + 1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight on the 1st to the next 1st."""
        return local_midnight(self.first_day, zone), local_midnight(self.next().first_day, zone)

    def has_ended(self, now: datetime, zone: ZoneInfo) -> bool:
        return now >= self.bounds(zone)[1]


def due_date(period: Period, *, months_after: int, issued_on: date, min_days: int) -> date:
    """The end of the month `months_after` the period, but never sooner than
    `min_days` after the invoice is issued (a run for an old month still gives time)."""
    return max(period.plus_months(months_after).last_day, issued_on + timedelta(days=min_days))
