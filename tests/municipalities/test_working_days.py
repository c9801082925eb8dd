"""The owners' windows count working days: weekends and Korean public holidays
(설날, 추석, substitute holidays) are skipped, and a window closes at local midnight."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.municipalities.working_days import (
    earliest_open_start,
    is_working_day,
    window_closes_at,
    window_last_day,
)

SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("start", "days", "last"),
    [
        (date(2026, 11, 30), 2, date(2026, 12, 2)),  # Monday → Wednesday
        (date(2026, 11, 27), 2, date(2026, 12, 1)),  # Friday → Tuesday: the weekend is skipped
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # a Saturday pickup: Monday
        (date(2026, 11, 30), 0, date(2026, 11, 30)),  # no working days: the day itself only
        # 추석 2026: 24–26 September (Thu–Sat). A Wednesday pickup runs to Monday the 28th.
        (date(2026, 9, 23), 2, date(2026, 9, 29)),
        # 설날 2026: 16–18 February (Mon–Wed), after a weekend: Friday the 13th → Thursday the 19th.
        (date(2026, 2, 13), 1, date(2026, 2, 19)),
        # 설날 2027 falls on a Sunday (7 February): the substitute holiday (9 February) is skipped too.
        (date(2027, 2, 5), 1, date(2027, 2, 10)),
        # 한글날 and the 개천절 substitute day in October 2026 (5 and 9 October).
        (date(2026, 10, 2), 2, date(2026, 10, 7)),
        # Across the year: 31 December (Thursday) → 4 January, 1 January and the weekend skipped.
        (date(2026, 12, 31), 1, date(2027, 1, 4)),
    ],
)
def test_window_last_day_skips_weekends_and_korean_holidays(start, days, last):
    assert window_last_day(start, days) == last


def test_holidays_are_not_working_days():
    assert not is_working_day(date(2026, 9, 25))  # 추석
    assert not is_working_day(date(2026, 2, 17))  # 설날
    assert not is_working_day(date(2026, 11, 29))  # a Sunday
    assert is_working_day(date(2026, 11, 30))


def test_a_window_closes_at_local_midnight_not_utc_midnight():
    closes = window_closes_at(date(2026, 11, 30), 2, SEOUL)
    assert closes == datetime(2026, 12, 3, 0, 0, tzinfo=SEOUL)
    # 23:59 local on the last day is still inside; that is 14:59 UTC, long before UTC midnight.
    assert datetime(2026, 12, 2, 23, 59, tzinfo=SEOUL) < closes
    assert closes.astimezone(ZoneInfo("UTC")) == datetime(2026, 12, 2, 15, 0, tzinfo=ZoneInfo("UTC"))
    assert datetime(2026, 12, 3, 0, 0, 1, tzinfo=SEOUL) > closes


def test_earliest_open_start_is_the_oldest_day_still_reportable():
    # Tuesday 1 December 2026, 2 working days: Friday 27 November's window runs to Tuesday.
    assert earliest_open_start(date(2026, 12, 1), 2) == date(2026, 11, 27)
    # Monday 28 September 2026, after 추석: Wednesday the 23rd's window runs to Tuesday the 29th.
    assert earliest_open_start(date(2026, 9, 28), 2) == date(2026, 9, 22)
    assert window_last_day(earliest_open_start(date(2026, 9, 28), 2), 2) >= date(2026, 9, 28)


def test_a_negative_window_is_refused():
    with pytest.raises(ValueError):
        window_last_day(date(2026, 11, 30), -1)
