"""What the crew's phone keeps for offline use: the app's files, and the release name
that tells the service worker when they changed.

The release is a hash of every file the phone caches (the shell's template and the
static files under crew/), computed once per process: a deploy that changes any of
them gives a new release, so the service worker installs a new cache and drops the old
one (the outbox lives in IndexedDB and is never touched).
"""

import functools
import hashlib
from pathlib import Path

from django.conf import settings

APP_DIR = Path(__file__).resolve().parent
STATIC_DIR = APP_DIR / "static"
SHELL_TEMPLATE = APP_DIR / "templates" / "crew" / "shell.html"
SHELL_URL = "/crew/"


# What the app loads: not the licence texts beside vendored scripts.
CACHED_SUFFIXES = {".js", ".css", ".png", ".svg"}


def _static_files() -> list[Path]:
    return sorted(
        path for path in (STATIC_DIR / "crew").rglob("*") if path.is_file() and path.suffix in CACHED_SUFFIXES
    )


@functools.cache
def release() -> str:
    digest = hashlib.sha256()
    for path in [SHELL_TEMPLATE, APP_DIR / "templates" / "crew" / "sw.js", *_static_files()]:
        digest.update(path.relative_to(APP_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def static_url(name: str) -> str:
    """The file's plain (unhashed) static URL. ES modules import each other by relative
    name, so the phone asks for these very URLs; the service worker caches them."""
    return f"{settings.STATIC_URL}crew/{name}"


@functools.cache
def precache_urls() -> tuple[str, ...]:
    files = [path.relative_to(STATIC_DIR / "crew").as_posix() for path in _static_files()]
    return (SHELL_URL, *(static_url(name) for name in files))
