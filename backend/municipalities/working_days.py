"""Working days: the deadlines of an owner's windows (a dispute, a missed-pickup report)
count the municipality's working days, skipping weekends and Korean public holidays.

Holidays come from the `holidays` package (substitute holidays and election days
included), kept up to date by its maintainers rather than by a list of ours.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from backend.municipalities.local_time import local_midnight

SATURDAY = 5  # date.weekday(): Monday 0 … Sunday 6


@lru_cache(maxsize=64)
def korean_holidays(year: int) -> frozenset[date]:
    """The public holidays (공휴일) of one year, substitute holidays included."""
    return frozenset(holidays.country_holidays("KR", years=year).keys())


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in korean_holidays(day.year)


def window_last_day(start: date, working_days: int) -> date:
    """The last local day of a window of `working_days` working days after `start`.

    `start` itself does not count (a pickup on Friday with 2 working days can be
    disputed until Tuesday's end); 0 working days leaves only `start` itself."""
    if working_days < 0:
        raise ValueError("a window is zero or more working days")
    day, left = start, working_days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def window_closes_at(start: date, working_days: int, zone: ZoneInfo) -> datetime:
    """When the window closes: local midnight after its last day."""
    return local_midnight(window_last_day(start, working_days) + timedelta(days=1), zone)


def earliest_open_start(today: date, working_days: int) -> date:
    """The earliest day whose window is still open on `today` (what a form may offer)."""
    day = today
    while window_last_day(day - timedelta(days=1), working_days) >= today:
        day -= timedelta(days=1)
    return day
