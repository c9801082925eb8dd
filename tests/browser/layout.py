"""Where an element is drawn, read once the page's layout has settled.

A bounding box read once can catch the page mid-layout (a script still filling in the
round above it) on a loaded machine; these wait for the box to hold and
still fail, with the last box seen, when it never does."""

import time
from collections.abc import Callable

from tests.browser.conftest import PHONE

Box = dict[str, float]


def settled_box(locator, holds: Callable[[Box], bool], *, what: str, timeout_s: float = 5.0) -> Box:
    deadline = time.monotonic() + timeout_s
    while True:
        box = locator.bounding_box()
        if box is not None and holds(box):
            return box
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: {box}")
        time.sleep(0.1)


def assert_within_first_screen(locator) -> None:
    """On a phone's first screen: no scrolling to reach it."""
    settled_box(
        locator,
        lambda box: box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"],
        what="not within the first screen",
    )
