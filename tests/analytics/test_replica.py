"""Reports read through the read replica's alias when one is configured, and the
primary when none is or it cannot be reached (backend/core/replica.py).

The suite runs without DATABASE_REPLICA_URL, so these tests add the `replica` alias
themselves, as settings.py makes it for tests: a second, read-only connection to the
test database. Their rows are committed (transactional tests) so that the second
connection sees them. A real streaming standby is measured by bench/bench_replica.py."""

import logging
from datetime import date

import pytest
from django.db import DatabaseError, connections
from django.test.utils import CaptureQueriesContext

from backend.analytics import money, service, trends
from backend.analytics.ranges import DateRange
from backend.core import replica
from tests.analytics.conftest import seoul

VOLUME = "/api/v1/reports/volume/"
QUALITY = "/api/v1/reports/scan-quality/"
AUTUMN = {"from": "2026-10-01", "to": "2026-11-30"}

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", replica.REPLICA])


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """The alias, added before each test's database setup checks the aliases it may use."""
    default = connections.settings["default"]
    connections.settings[replica.REPLICA] = {
        **default,
        "OPTIONS": {**default.get("OPTIONS", {}), "options": "-c default_transaction_read_only=on"},
        "TEST": {"MIRROR": "default"},
    }
    yield connections.settings[replica.REPLICA]
    connections[replica.REPLICA].close()
    del connections[replica.REPLICA]
    del connections.settings[replica.REPLICA]


@pytest.fixture
def replica_at(replica_alias):
    """replica_at(host, port): the alias pointed elsewhere for one test."""
    kept = {key: replica_alias[key] for key in ("HOST", "PORT")}

    def point(host, port):
        connections[replica.REPLICA].close()
        replica_alias.update(HOST=host, PORT=port)

    yield point
    connections[replica.REPLICA].close()
    replica_alias.update(kept)
    replica.forget_unreachable()


@pytest.fixture
def autumn(tag, scan):
    scan(tag, seoul(2026, 10, 31, 23, 59, 59), 1_234_567, source="qr", flags=["far_from_restaurant"])
    scan(tag, seoul(2026, 11, 1, 0, 0, 0), 2_500, status="held", physically_tapped=True)


def volume_and_quality(api, official):
    client = api.as_user(official)
    months = client.get(VOLUME, {**AUTUMN, "group": "month"}).json()["rows"]
    quality = client.get(QUALITY, AUTUMN).json()
    return [row["weight_g"] for row in months], quality["scans"]


def test_reports_read_the_replica_when_one_is_configured(api, official, autumn):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        figures = volume_and_quality(api, official)

    assert figures == ([1_234_567, 2_500], 2)
    tables = " ".join(query["sql"] for query in on_replica.captured_queries)
    assert "rollups_volumecell" in tables and "collection_events_collectionevent" in tables


def test_the_replica_connection_refuses_writes(official):
    with pytest.raises(DatabaseError, match="read-only"), connections["replica"].cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET first_name = 'x'")


def test_a_replica_that_cannot_be_reached_leaves_reports_on_the_primary(api, official, autumn, replica_at, caplog):
    replica_at("127.0.0.1", 1)  # nothing listens there: refused at once

    with caplog.at_level(logging.WARNING, logger="backend.core.replica"):
        figures = volume_and_quality(api, official)

    assert figures == ([1_234_567, 2_500], 2)
    # Tried once, then left alone for DATABASE_REPLICA_RETRY_SECONDS.
    assert [record.message for record in caplog.records].count(caplog.records[0].message) == 1
    assert "read replica unreachable" in caplog.records[0].message
    assert replica.reporting_db() == "default"


def test_officials_trends_service_and_money_read_the_replica(official, autumn):
    city, days = official.municipality, DateRange(date(2026, 10, 1), date(2026, 11, 30))
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        report = trends.trends(municipality=city, days=days, limit=5, idle_days=14, now=seoul(2026, 12, 1))
        service.service(municipality=city, days=days)
        money.money(municipality=city, days=days, today=date(2026, 12, 1))

    assert len(report.top) == 1  # the scans were there to read
    tables = " ".join(query["sql"] for query in on_replica.captured_queries)
    for table in ("rollups_volumecell", "collection_events_collectionevent", "billing_invoice", "pickup_requests"):
        assert table in tables, table
