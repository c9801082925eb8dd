"""Putting a round's unplaced stops in an order: pure functions, no database."""

import math
from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import TypeVar

_METRES_PER_DEGREE = 111_195  # along a meridian, on a sphere of radius 6,371 km

Position = tuple[Decimal | float, Decimal | float]
K = TypeVar("K", bound=Hashable)
# Greedy nearest-next takes n² steps: past this many stops (a whole city's bins on one
# round with no order set), they go simply by distance from the start instead.
GREEDY_LIMIT = 1000


def nearest_next(start: Position, points: Sequence[tuple[K, Position | None]]) -> list[K]:
    """Keys in greedy nearest-next order: from `start`, always to the closest stop not yet
    visited. Stops without a position keep their given order, after the others.

    Within a city a flat projection around the start ranks distances as haversine does
    (the error is well under a metre per kilometre), and needs no trigonometry per pair:
    a crew's few hundred stops are ordered in milliseconds."""
    lat0 = math.radians(float(start[0]))
    squash = math.cos(lat0)

    def flat(position: Position) -> tuple[float, float]:
        return float(position[1]) * squash * _METRES_PER_DEGREE, float(position[0]) * _METRES_PER_DEGREE

    here = flat(start)
    left = [(key, flat(position)) for key, position in points if position is not None]
    unplaced = [key for key, position in points if position is None]
    if len(left) > GREEDY_LIMIT:
        left.sort(key=lambda item: (item[1][0] - here[0]) ** 2 + (item[1][1] - here[1]) ** 2)
        return [key for key, _ in left] + unplaced
    order: list[K] = []
    while left:
        x, y = here
        index = min(range(len(left)), key=lambda i: (left[i][1][0] - x) ** 2 + (left[i][1][1] - y) ** 2)
        key, here = left.pop(index)
        order.append(key)
    return order + unplaced
