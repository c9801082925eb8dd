"""The statements in backend/rollups/sums.py are the ones the database's triggers run:
migration 0008 holds frozen copies, and the next migration that changes a trigger starts
from the live ones, so they must not have drifted apart."""

import importlib

import pytest

from backend.rollups import sums

frozen = importlib.import_module("backend.rollups.migrations.0008_restaurants_served_as_bits")


@pytest.mark.parametrize(
    "statement, arguments",
    [
        ("served_upsert", (frozen.ADDED,)),
        ("served_recount", ("old_scans", "collection_events_collectionevent")),
        ("groups_add", ("new_restaurants",)),
        ("groups_remove", ("old_restaurants",)),
    ],
)
def test_the_triggers_run_the_live_statements(statement, arguments):
    assert _words(getattr(frozen, statement)(*arguments)) == _words(getattr(sums, statement)(*arguments))


def test_the_triggers_read_the_scans_as_the_rebuild_does():
    assert _words(frozen.scans_source("new_scans")) == _words(sums.scans_source("new_scans"))


def _words(statement: str) -> list[str]:
    """The statement without its layout (the frozen copy inlines a SELECT, indented anew)."""
    return statement.split()
