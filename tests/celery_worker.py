"""A real Celery worker for tests, on the real broker, against the test database.

    from tests.celery_worker import CeleryWorker

    def test_something(transactional_db):            # the worker sees committed rows only
        with CeleryWorker(env={"BILLING_RUN_CHUNK_SIZE": "1"}) as worker:
            ...                                       # send tasks as the code under test does
            worker.kill_pool_child()                  # SIGKILL one prefork child mid-task
            worker.kill_main()                        # SIGKILL the main process (and its children)
            worker.restart()                          # a fresh worker, same settings

    with CeleryWorker(beat=True):                     # with the beat embedded (`-B`): the
        ...                                           # periodic tasks run on their schedule

The worker runs `celery -A backend.config worker --pool=prefork --concurrency=N -Q
...` in a subprocess of its own process group, with DATABASE_URL pointing at the
database pytest-django created (built from `connection.settings_dict`) and
CELERY_BROKER_URL equal to this process's broker (so whatever CELERY_BROKER_URL says:
Redis in CI, or kombu's SQLAlchemy transport on PostgreSQL by default). It is ready
when it logs "ready.", which works on every transport (remote control does not: the
SQLAlchemy transport has no broadcast). Linux only (/proc), like our CI.
"""

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def database_url_for_tests() -> str:
    """The URL of the database this test process is using (the test database)."""
    from django.db import connection

    db = connection.settings_dict
    user = quote(db.get("USER") or "")
    password = quote(db.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if user else ""
    # dj-database-url keeps a `?host=/socket/dir` in OPTIONS rather than HOST.
    host = db.get("HOST") or (db.get("OPTIONS") or {}).get("host") or ""
    port, name = db.get("PORT") or "", db["NAME"]
    if host.startswith("/"):  # a unix socket directory, as the embedded server uses
        return f"postgresql://{credentials}/{name}?host={quote(host)}" + (f"&port={port}" if port else "")
    return f"postgresql://{credentials}{host}{':' + str(port) if port else ''}/{name}"


def _children(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            children += [int(p) for p in (task / "children").read_text().split()]
    return children


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])  # utime + stime


class CeleryWorker:
    def __init__(
        self,
        *,
        queues: tuple[str, ...] | None = None,
        concurrency: int = 2,
        env: dict | None = None,
        ready_timeout: float = 45.0,
        loglevel: str = "INFO",
        beat: bool = False,
    ):
        from django.conf import settings

        # The suite's own queue (settings_test), emptied of whatever earlier tests left.
        self.queues = queues or (settings.CELERY_TASK_DEFAULT_QUEUE,)
        self.concurrency, self.extra_env = concurrency, env or {}
        self.ready_timeout, self.loglevel = ready_timeout, loglevel
        # The beat inside the worker (`-B`), as production's separate `beat` process
        # (Procfile) would: CELERY_BEAT_SCHEDULE's tasks go to the suite's queue.
        self.beat = beat
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> "CeleryWorker":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def environment(self) -> dict:
        from django.conf import settings

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "backend.config.settings_test",
            "DJANGO_ENV": "test",
            "DATABASE_URL": database_url_for_tests(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "CELERY_TEST_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        env.pop("TEST_DATABASE_NAME", None)
        env.update({key: str(value) for key, value in self.extra_env.items()})
        return env

    def purge(self) -> None:
        from backend.config.celery import app

        with app.connection_for_write() as connection:
            for queue in self.queues:
                connection.default_channel.queue_declare(queue=queue, durable=True, auto_delete=False)
                connection.default_channel.queue_purge(queue)

    def start(self) -> None:
        self.purge()
        handle, name = tempfile.mkstemp(prefix="celery-worker-", suffix=".log")
        os.close(handle)
        self.log_path = Path(name)
        hostname = f"test-{os.getpid()}-{time.monotonic_ns()}@%h"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "backend.config",
            "worker",
            "--pool=prefork",
            f"--concurrency={self.concurrency}",
            "-Q",
            ",".join(self.queues),
            f"--loglevel={self.loglevel}",
            "-n",
            hostname,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if self.beat:
            command += ["-B", "-s", str(self.log_path.with_suffix(".beat-schedule"))]
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=PROJECT_ROOT,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so kill_main can take the pool with it
            )
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.process.returncode}:\n{self.log()}")
            if " ready." in self.log() and len(self.pool_children()) >= self.concurrency:
                return
            time.sleep(0.1)
        raise TimeoutError(f"celery worker not ready after {self.ready_timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self._kill_group()
        self._kill_group()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    # -- faults ----------------------------------------------------------------------
    def pool_children(self) -> list[int]:
        return _children(self.process.pid) if self.process and self.process.poll() is None else []

    def kill_pool_child(self, pid: int | None = None) -> int:
        """SIGKILL one prefork child: `pid`, or the busiest (most CPU used, i.e. the one
        running the task); the main process forks a new one, as after an out-of-memory
        kill. Returns the pid killed."""
        children = self.pool_children()
        if not children:
            raise RuntimeError("the worker has no pool children")
        victim = pid or max(children, key=_cpu_ticks)
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_main(self, *, with_children: bool = True) -> None:
        """SIGKILL the main process, by default with its whole process group, as when
        the machine or container dies; nothing gets to acknowledge or clean up."""
        if with_children:
            self._kill_group()
        else:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def _kill_group(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""
