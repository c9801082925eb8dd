"""The database a bench works in: a database of its own on the configured server
(`DATABASE_URL`, or the checkout's embedded server), made fresh and dropped after, so
that demo data is never touched. Imported by the benches beside it."""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def server_url() -> str:
    """DATABASE_URL when set, else the checkout's embedded server (started if needed)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    result = subprocess.run(
        [sys.executable, "-m", "backend.localdb", "url"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().splitlines()[-1]


def with_database(url: str, name: str) -> str:
    """The same server's URL, naming another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _run(url: str, statement: sql.Composable) -> None:
    connection = psycopg2.connect(url)
    connection.autocommit = True  # CREATE and DROP DATABASE cannot run in a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute(statement)
    finally:
        connection.close()


def drop_database(server: str, name: str) -> None:
    _run(server, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def recreate_database(server: str, name: str) -> str:
    """Drop the database if a bench left it, make it anew; its URL."""
    drop_database(server, name)
    _run(server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(server, name)


@contextmanager
def bench_database(prefix: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh database `<prefix>_<pid>` on the configured server, named in DATABASE_URL
    for the bench's Django; Django's connections closed and the database dropped after
    (kept with `keep`). Yields its URL."""
    server = server_url()
    name = f"{prefix}_{os.getpid()}"
    url = os.environ["DATABASE_URL"] = recreate_database(server, name)
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            drop_database(server, name)
