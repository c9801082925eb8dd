"""What the crew's phone keeps for offline use: the app's files, and the release name
that tells the service worker when they changed.

The release is a hash of every file the phone caches (the shell's template, the list
of the screens' texts it carries and the static files under crew/), computed once per
process: a deploy that changes any of them gives a new release, so the service worker
installs a new cache and drops the old one (the outbox lives in IndexedDB and is never
touched).
"""

import functools
import hashlib
import re
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


def script_files() -> list[Path]:
    """The app's own scripts (not the vendored ones): where its screens' texts are."""
    return [path for path in _static_files() if path.suffix == ".js" and path.parent.name == "crew"]


@functools.cache
def release() -> str:
    digest = hashlib.sha256()
    for path in [SHELL_TEMPLATE, APP_DIR / "templates" / "crew" / "sw.js", APP_DIR / "texts.py", *_static_files()]:
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


_STATIC_IMPORT = re.compile(r"""^import\s[^'"]*?from\s+['"]\./([\w/.-]+\.js)['"]""", re.MULTILINE)


@functools.cache
def start_modules(entry: str = "app.js") -> tuple[str, ...]:
    """The modules the app needs before its first screen: `entry` and everything it
    imports statically, transitively. The shell names them all (`modulepreload`), so
    the phone fetches them at once instead of one import depth after another (on a 3G
    round trip of 2 s, each depth costs 2 s)."""
    found: list[str] = []
    pending = [entry]
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.append(name)
        source = (STATIC_DIR / "crew" / name).read_text(encoding="utf-8")
        pending.extend(_STATIC_IMPORT.findall(source))
    return tuple(found[1:])
