"""The register's 좌표정보(X)/(Y) — Korean central-belt TM on the Bessel ellipsoid — to WGS84.

The only module that imports pyproj. Which system the file uses is a setting
(`REGISTER_SOURCE_CRS`, default EPSG:2097, 중부원점 TM): EPSG:5174 puts the same numbers
about 255 m away, so check it against a known address (docs/operations.md).
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError


@dataclass(frozen=True)
class Unplaced:
    """Coordinates that are there but cannot be a place in Korea: `problem` is
    "not_numbers" or "outside_korea"; x and y as the file wrote them."""

    problem: str
    x: str
    y: str

    def __str__(self) -> str:
        return f"coordinates {self.problem.replace('_', ' ')} (X={self.x!r}, Y={self.y!r})"


# WGS84 bounds of South Korea with a margin: a point outside is junk, not a restaurant.
_LAT = (32.5, 39.0)
_LNG = (124.0, 132.0)
_SIX_PLACES = Decimal("0.000001")


@lru_cache(maxsize=4)
def _transformer(source_crs: str):
    import pyproj

    try:
        return pyproj.Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)
    except pyproj.exceptions.CRSError:
        raise DomainError(
            "register_crs_invalid",
            _("REGISTER_SOURCE_CRS=%(crs)s is not a coordinate system PROJ knows.") % {"crs": source_crs},
            status_code=500,
        ) from None


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _plausible_tm(x: float, y: float) -> bool:
    # TM eastings sit around a false easting of 200 km: one under 10 km is a zero, a
    # placeholder or degrees typed into the metre columns (126.9, 37.5), not a place.
    # (Northings may be small or negative: Jeju lies ~500 km south of the 38°N origin.)
    return x >= 10_000 and y >= -100_000


def to_wgs84(points: list[tuple[str, str]], *, source_crs: str) -> list[tuple[Decimal, Decimal] | Unplaced | None]:
    """Each (x, y) as (lat, lng) in WGS84 with six decimals (~0.1 m); None when both are
    empty; `Unplaced` when they are there but cannot be a place in Korea."""
    results: list[tuple[Decimal, Decimal] | Unplaced | None] = [None] * len(points)
    todo: list[int] = []
    xs: list[float] = []
    ys: list[float] = []
    for index, (x_text, y_text) in enumerate(points):
        if not x_text and not y_text:
            continue
        x, y = _number(x_text), _number(y_text)
        if x is None or y is None:
            results[index] = Unplaced("not_numbers", x_text, y_text)
            continue
        if not _plausible_tm(x, y):
            results[index] = Unplaced("outside_korea", x_text, y_text)
            continue
        todo.append(index)
        xs.append(x)
        ys.append(y)
    if todo:
        lngs, lats = _transformer(source_crs).transform(xs, ys)
        for index, lng, lat in zip(todo, lngs, lats, strict=True):
            if math.isfinite(lat) and math.isfinite(lng) and _LAT[0] < lat < _LAT[1] and _LNG[0] < lng < _LNG[1]:
                results[index] = (Decimal(lat).quantize(_SIX_PLACES), Decimal(lng).quantize(_SIX_PLACES))
            else:
                x_text, y_text = points[index]
                results[index] = Unplaced("outside_korea", x_text, y_text)
    return results


def distance_m(a: tuple, b: tuple) -> float:
    """Metres between two (lat, lng) points on the WGS84 ellipsoid."""
    import pyproj

    return pyproj.Geod(ellps="WGS84").inv(float(a[1]), float(a[0]), float(b[1]), float(b[0]))[2]
