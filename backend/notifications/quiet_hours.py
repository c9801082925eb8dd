"""Quiet hours as a rule on local clock times: whether a moment falls in them, and when
they end. Pure: no database, no clock of its own."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def quiet_until(moment: datetime, *, start: time, end: time, zone: ZoneInfo) -> datetime | None:
    """The moment the quiet hours around `moment` end, or None when `moment` is outside
    them. Quiet hours run from `start` (included) to `end` (excluded), local time in
    `zone`; an end earlier than the start is on the next day (21:00–08:00)."""
    if start == end:
        return None
    local = moment.astimezone(zone)
    clock, day = local.time().replace(tzinfo=None), local.date()
    if start < end:
        ends_on = day if start <= clock < end else None
    elif clock >= start:
        ends_on = day + timedelta(days=1)
    elif clock < end:
        ends_on = day
    else:
        ends_on = None
    return None if ends_on is None else datetime.combine(ends_on, end, tzinfo=zone)
