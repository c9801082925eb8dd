"""On a fresh database, processes that open the database broker at the same moment (the
web server, the worker and beat, as `make run` starts them) all start: kombu's tables
are made once, not raced for; and two that send to a new queue at once both send."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from kombu import Connection
from psycopg2 import sql

from backend.config.settings import database_broker_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 6

OPEN_THE_BROKER = """
import sys, time
from kombu import Connection
url, start = sys.argv[1], float(sys.argv[2])
import backend.core.broker  # imported before the start, so that all open together
time.sleep(max(0.0, start - time.time()))
with Connection(url, transport="backend.core.broker:Transport") as broker:
    broker.default_channel
"""


def _server(**changes) -> dict:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return {**params, **changes}


def _autocommit(statement: sql.Composable) -> None:
    server = psycopg2.connect(**_server(dbname="postgres"))
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(statement)
    finally:
        server.close()


@pytest.fixture
def fresh_database():
    name = f"broker_race_{uuid.uuid4().hex[:8]}"
    _autocommit(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name
    finally:
        _autocommit(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _broker_url(database: str) -> str:
    params = _server(dbname=database)
    host = params.get("host") or "localhost"
    auth = params["user"] + (f":{params['password']}" if params.get("password") else "")
    if host.startswith("/"):  # the embedded server's socket directory
        url = f"postgresql://{auth}@/{database}?host={host}&port={params.get('port', 5432)}"
    else:
        url = f"postgresql://{auth}@{host}:{params.get('port', 5432)}/{database}"
    assert database_broker_url(url) == url
    return url


def test_processes_opening_the_broker_together_on_a_fresh_database_all_start(fresh_database):
    url = _broker_url(fresh_database)
    params = _server(dbname=fresh_database)
    start = time.time() + 3  # every process imported and waiting
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_THE_BROKER, url, str(start)],
            cwd=PROJECT_ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    failures = [run.communicate(timeout=60)[1] for run in runs if run.wait(timeout=60) != 0]
    assert failures == [], failures[0]
    tables = psycopg2.connect(**params)
    try:
        with tables.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'kombu_%%'")
            assert cursor.fetchone()[0] == 2  # kombu_queue, kombu_message
    finally:
        tables.close()


def test_two_senders_making_the_same_new_queue_both_send(fresh_database):
    """The race made certain: the second sender finds no row for the queue, then the
    first makes it before the second inserts its own. Both messages are queued, under
    one queue row, and neither sender fails."""
    url = _broker_url(fresh_database)
    with (
        Connection(url, transport="backend.core.broker:Transport") as first,
        Connection(url, transport="backend.core.broker:Transport") as second,
    ):
        winner, loser = first.default_channel, second.default_channel
        add = loser.session.add

        def add_after_the_winner_made_it(row):
            if isinstance(row, loser.queue_cls):
                winner._put("notices", {"from": "winner"})
            add(row)

        loser.session.add = add_after_the_winner_made_it
        loser._put("notices", {"from": "loser"})

    rows = psycopg2.connect(**_server(dbname=fresh_database))
    try:
        with rows.cursor() as cursor:
            cursor.execute("SELECT name FROM kombu_queue")
            assert cursor.fetchall() == [("notices",)]
            cursor.execute("SELECT count(*) FROM kombu_message")
            assert cursor.fetchone()[0] == 2
    finally:
        rows.close()
