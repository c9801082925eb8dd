"""Django's `{# … #}` comments end at the line's end: one spread over two lines is not a
comment, and its text shows on the page (it did, above the crew app's first screen)."""

from pathlib import Path

BACKEND = Path(__file__).resolve().parent.parent / "backend"


def test_no_template_comment_spans_lines():
    broken = []
    for template in BACKEND.rglob("templates/**/*.html"):
        for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), start=1):
            opened, closed = line.rfind("{#"), line.rfind("#}")
            if opened != -1 and closed < opened:
                broken.append(f"{template.relative_to(BACKEND)}:{number}")
    assert templates_found() and not broken, broken


def templates_found() -> bool:
    return any(BACKEND.rglob("templates/**/*.html"))
