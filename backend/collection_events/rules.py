"""Scan rules that need no database: time windows, distances, the hold window, a
weight against the bin's own history."""

import math
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError

_EARTH_RADIUS_M = 6_371_000


def check_collected_at(collected_at: datetime, *, now: datetime, max_future: timedelta, max_age: timedelta) -> None:
    if collected_at > now + max_future:
        raise DomainError(
            "collected_at_in_future",
            _("The collection time is in the future; check the device clock."),
            fields={"collected_at": [f"more than {int(max_future.total_seconds() // 60)} minutes ahead"]},
        )
    if collected_at < now - max_age:
        raise DomainError(
            "collected_at_too_old",
            _("This scan is too old to record."),
            fields={"collected_at": [f"older than {max_age.days} days"]},
        )


def check_weight(weight_g: int, *, max_weight_g: int) -> None:
    if weight_g > max_weight_g:
        raise DomainError(
            "weight_out_of_range",
            _("The weight is more than this bin can hold."),
            fields={"weight_kg": [f"at most {max_weight_g / 1000:g} kg for this bin"]},
        )


def distance_m(lat1: Decimal, lng1: Decimal, lat2: Decimal, lng2: Decimal) -> int:
    """Great-circle distance in whole metres (haversine)."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp, dl = p2 - p1, math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return round(2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a)))


def far_from_restaurant(distance_m: int, *, gps_accuracy_m: int | None, limit_m: int) -> bool:
    """Whether a scan was surely more than `limit_m` from the restaurant: even at the
    near edge of the phone's error circle. A fix 300 m away but good only to 1 km says
    nothing; one without an accuracy is taken as exact (a truck reader's GPS)."""
    return distance_m - (gps_accuracy_m or 0) > limit_m


class HoldWindow:
    """Which scans fall within `window` of another weighing of the same bin.

    Fed with the bins' stored weighings, then asked about new scans one by one; each
    new scan joins the window, so the second of two new scans in one batch is held too.
    """

    def __init__(self, window: timedelta, existing: dict[object, list[datetime]]):
        self.window = window
        self._times = {bin_id: sorted(times) for bin_id, times in existing.items()}

    def admit(self, bin_id: object, moment: datetime) -> bool:
        """Record a weighing; True when it lands within the window of another."""
        times = self._times.setdefault(bin_id, [])
        index = bisect_left(times, moment)
        near = (index < len(times) and times[index] - moment < self.window) or (
            index > 0 and moment - times[index - 1] < self.window
        )
        insort(times, moment)
        return near


# How many of a bin's latest billable weighings its weight rule reads.
WEIGHT_HISTORY_SIZE = 20
# The scale that makes 1.4826 × MAD a standard deviation for normal data: a modified
# z-score (Iglewicz and Hoaglin) reads like an ordinary one.
_MAD_TO_SIGMA = 0.6745
_TENTH = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class WeightCheck:
    """What the weight rule read and found, kept as the held scan's evidence."""

    history_g: tuple[int, ...]  # the bin's latest billable weights, newest first
    median_g: int
    mad_g: int  # the median absolute deviation, after its floor
    z: Decimal  # the modified z-score of the new weight, one decimal
    implausible: bool

    def as_evidence(self) -> dict[str, object]:
        return {
            "history_g": list(self.history_g),
            "median_g": self.median_g,
            "mad_g": self.mad_g,
            "z": str(self.z),
        }


def _median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def check_weight_history(
    weight_g: int, history_g: Sequence[int], *, z_threshold: Decimal, min_history: int
) -> WeightCheck | None:
    """Judge a weight against the bin's own latest billable weights (newest first).

    A modified z-score, 0.6745 × (weight − median) / MAD, where MAD is the median of
    the absolute deviations from the median: one wild weighing in the history moves
    neither, as it would move a mean and a standard deviation. A bin that weighs the
    same every time has a MAD of 0, which would call a 100 g difference implausible, so
    the MAD is floored at 100 g or 5 % of the median, whichever is larger. Implausible
    when |z| (to one decimal) exceeds `z_threshold`, in either direction (far heavier,
    or far lighter). None while the bin has fewer than `min_history` weighings: nothing
    to judge by. (Floats, not Decimals: it runs for every weighing of a batch, and
    grams and a z-score to one decimal lose nothing to them.)
    """
    history = list(history_g[:WEIGHT_HISTORY_SIZE])
    if len(history) < max(min_history, 1):
        return None
    median = _median(history)
    mad = max(_median([abs(value - median) for value in history]), 100.0, median / 20)
    z = Decimal(_MAD_TO_SIGMA * (weight_g - median) / mad).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return WeightCheck(
        history_g=tuple(history),
        median_g=int(median + 0.5),
        mad_g=int(mad + 0.5),
        z=z,
        implausible=abs(z) > z_threshold,
    )
