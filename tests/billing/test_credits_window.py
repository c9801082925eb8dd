"""Credits are read apart from the window statement, from the voids it saw: the same
snapshot still decides, and each statement's plan visits only the months it needs."""

import re
import threading
from contextlib import contextmanager
from datetime import datetime

import pytest
import time_machine
from django.db import connection, connections

from backend.billing import selectors
from backend.billing.models import Invoice, LineKind
from tests.billing.conftest import SEOUL, seoul

# Billing windows are spans of commit order: each step here commits, as workers do.
pytestmark = pytest.mark.django_db(transaction=True)

PARTITION = re.compile(r"collection_events_collectionevent_(\d{4}_\d{2}|default)\b")


def credits_of(invoice):
    return list(invoice.lines.filter(kind=LineKind.CREDIT).values_list("credited_event_id", flat=True))


def void_elsewhere(scan, official, reason):
    """Void `scan` on another connection and commit, as an official would meanwhile."""

    def work():
        try:
            scan.change_status(to="void", by=official, reason=reason)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()


def test_a_void_committed_while_credits_are_read_waits_for_the_next_invoice(
    tariff, old_bin, scan, bill, official, monkeypatch
):
    first = scan(old_bin, seoul(2026, 8, 10, 5), 10_000)
    second = scan(old_bin, seoul(2026, 8, 11, 5), 20_000)
    bill("2026-08")
    first.change_status(to="void", by=official, reason="저울 고장")
    read_credits = selectors._credits

    def second_void_lands_in_between(*args, **kwargs):
        void_elsewhere(second, official, "저울 고장")  # after the window's snapshot, before the credits
        return read_credits(*args, **kwargs)

    monkeypatch.setattr(selectors, "_credits", second_void_lands_in_between)
    bill("2026-09")
    monkeypatch.setattr(selectors, "_credits", read_credits)
    bill("2026-10")
    august, september, october = Invoice.objects.order_by("period")
    assert august.total_krw == 3900
    assert credits_of(september) == [first.id]  # the window statement saw only this void
    assert credits_of(october) == [second.id]  # the next invoice gives the other back, once
    assert (september.credits_krw, october.credits_krw) == (-1300, -2600)


@contextmanager
def statements_read(function_name):
    """Record each statement `selectors.<function_name>` runs, with its parameters."""
    seen: list[tuple[str, dict]] = []
    original = getattr(selectors, function_name)

    def recorded(*args, **kwargs):
        def keep(execute, sql, params, many, context):
            seen.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(keep):
            return original(*args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, function_name, recorded)
        yield seen


def partitions_planned(sql: str, params: dict) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return {match for (line,) in cursor.fetchall() for match in PARTITION.findall(line)}


@time_machine.travel(datetime(2027, 1, 5, 10, tzinfo=SEOUL))
def test_the_plans_visit_the_months_billed_and_the_voided_scans_month_only(tariff, old_bin, scan, bill, official):
    wrong = scan(old_bin, seoul(2026, 11, 10, 5), 10_000)
    bill("2026-11")
    wrong.change_status(to="void", by=official, reason="저울 고장")
    scan(old_bin, seoul(2026, 12, 2, 5), 30_000)
    with statements_read("read_window") as window, statements_read("_credits") as credits:
        bill("2026-12")
    assert credits_of(Invoice.objects.get(period="2026-12-01")) == [wrong.id]
    (credits_statement,) = credits
    assert partitions_planned(*credits_statement) == {"2026_11"}
    lines_statement = window[0]
    planned = partitions_planned(*lines_statement)
    # From the lookback to the end of the current month (January), and nothing made ahead.
    assert {"2026_11", "2026_12", "2027_01"} <= planned
    assert not planned & {"2027_02", "2027_03"}
