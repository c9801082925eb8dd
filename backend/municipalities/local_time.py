"""A municipality's calendar: its days and months begin at local midnight, whatever
offset a device sent (DOMAIN.md: a month's bill covers local 00:00 on the 1st to local
00:00 on the next 1st)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def days_bounds(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the local days first_day..last_day, as aware datetimes."""
    return local_midnight(first_day, zone), local_midnight(last_day + timedelta(days=1), zone)
