"""A real Celery worker in a subprocess, on the same broker and the test database."""

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

from backend.config.celery import app

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """settings.DATABASE_URL with the test database's name in place of the real one."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@contextmanager
def celery_worker(*, extra_env: dict[str, str] | None = None, ready_timeout: float = 60):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        "DJANGO_ENV": "test",
        "DATABASE_URL": test_database_url(),
        "CELERY_BROKER_URL": app.conf.broker_url,
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend.config",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + ready_timeout
    log = []
    try:
        for line in process.stdout:
            log.append(line)
            if " ready." in line:
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("Celery worker did not start:\n" + "".join(log))
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
