"""What a page must give every user, checked in the browser: axe-core finds no WCAG 2.1
AA violation, every control is a 44 × 44 px tap target, and the page fits the screen's
width (no sideways scrolling on a phone).

axe-core comes from the `axe-playwright-python` wheel (its bundled `axe.min.js`), so
the check needs no CDN and no npm. It is evaluated through the DevTools protocol,
which a page's Content-Security-Policy does not block.
"""

from pathlib import Path

import axe_playwright_python

AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
TAP_TARGET_PX = 44

_TAP_TARGETS = (Path(__file__).parent / "tap_targets.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[str]:
    """Each WCAG 2.1 A/AA violation axe-core finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    found = []
    for violation in result["violations"]:
        for node in violation["nodes"]:
            found.append(f"{violation['id']}: {' '.join(node['target'])} — {node['failureSummary'].splitlines()[-1]}")
    return found


def small_tap_targets(page) -> list[str]:
    return page.evaluate(_TAP_TARGETS, TAP_TARGET_PX)


def sideways_overflow_px(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def assert_usable(page, state: str) -> None:
    """The page as a user sees it now (`state` names it in failures) passes all three checks."""
    problems = [f"axe {line}" for line in axe_violations(page)]
    problems += [f"tap target {line}" for line in small_tap_targets(page)]
    overflow = sideways_overflow_px(page)
    if overflow > 0:
        problems.append(f"the page is {overflow}px wider than the screen")
    assert not problems, f"{state} ({page.url}):\n" + "\n".join(problems)
