"""A frozen Seoul clock, and crew visits at chosen local times."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 10, 5, 10, 0, tzinfo=SEOUL)  # a Monday morning, after the regular round


def seoul(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW)  # ticking on, so steps taken one after another keep their order
    return NOW


@pytest.fixture
def visit(f, collector, tag):
    """visit(when, grams=…) records a weighing; visit(when, exception="not_put_out") a visit without one."""

    def make(when: datetime, grams: int | None = None, exception: str = "", bin=None):
        from backend.tags.models import Tag

        visited = tag if bin is None else Tag.objects.filter(bin=bin).first() or f.TagFactory(bin=bin)
        return f.CollectionEventFactory(
            id=uuid.uuid4(),
            tag=visited,
            collector=collector,
            collected_at=when,
            weight_g=grams,
            exception_code=exception,
            status="not_collected" if exception else "billable",
        )

    return make
