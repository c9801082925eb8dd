"""Sign-in abuse benchmark: how long 1,000 password guesses on one account take, on the
API token endpoint and on the login page, against the floor of 1,000 correct sign-ins
with no limits.

    .venv/bin/python bench/bench_login.py            # floor from 40 sign-ins, scaled to 1,000
    .venv/bin/python bench/bench_login.py --quick    # floor from 10 sign-ins

What it does, in a database of its own (`bench_login` on the same server as
DATABASE_URL, or the checkout's embedded server), dropped at the end:

1. the hash cost alone: Django's password check with the configured hasher;
2. the floor, over real HTTP: gunicorn (2 sync workers) with every sign-in limit off,
   two clients signing in with the right password; timed for --floor sign-ins and
   scaled to 1,000;
3. the limits over real HTTP: gunicorn with the production defaults, one attacker
   address sending wrong passwords to each endpoint: how many are checked before the
   429, and the Retry-After it is told;
4. the whole 1,000-guess attack, in-process through Django's test client (the same
   middleware, views, throttles and cache table, without the socket): the attacker
   obeys every Retry-After, the clock jumping that far (time-machine) instead of
   sleeping for hours. Its time = the waits + the requests' measured time + one hash
   per password actually checked (the account's hash is made with a fast hasher here
   and the measured cost of the real one added, so the run takes seconds). Two
   attackers: one address, and a new address for every guess (a botnet).
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import requests
from databases import drop_database, recreate_database, server_url  # bench/databases.py

PROJECT_ROOT = Path(__file__).resolve().parents[1]
USERNAME, PASSWORD = "crew-bench", "crew-bench-password-1"
TRIES = 1_000
LIMITS_OFF = {"LOGIN_RATE_PER_ADDRESS": "", "LOGIN_RATE_PER_ACCOUNT": "", "LOGIN_LOCKOUT_FAILURES": "0"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--floor", type=int, default=40, help="correct sign-ins timed for the floor (default 40)")
    parser.add_argument("--quick", action="store_true", help="--floor 10")
    parser.add_argument("--database", default="bench_login")
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    args = parser.parse_args()
    if args.quick:
        args.floor = min(args.floor, 10)
    return args


# --- The database and the server -----------------------------------------------------


def setup_django(bench_url: str) -> None:
    os.environ.update({"DATABASE_URL": bench_url, "DJANGO_ENV": "development", "DEBUG": "0"})
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.config.settings"
    sys.path.insert(0, str(PROJECT_ROOT))
    import logging
    import warnings

    import django

    django.setup()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # every refused guess is a 4xx
    warnings.filterwarnings("ignore", message="No directory at")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(bench_url: str, log: Path, **settings: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": bench_url, "DJANGO_ENV": "development", "DEBUG": "0", **settings}
    command = [
        sys.executable, "-m", "gunicorn", "backend.config.wsgi", "-c", "backend/config/gunicorn.conf.py",
        "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "120", "--log-level", "warning",
    ]  # fmt: skip
    with log.open("ab") as log_file:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=log_file)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Over HTTP ---------------------------------------------------------------------------


def api_sign_in(session: requests.Session, base: str, password: str) -> requests.Response:
    return session.post(f"{base}/api/v1/auth/token/", json={"username": USERNAME, "password": password}, timeout=60)


def page_sign_in(session: requests.Session, base: str, password: str) -> requests.Response:
    form = session.get(f"{base}/login/", timeout=60)
    token = CSRF.search(form.text).group(1)
    return session.post(
        f"{base}/login/",
        data={"username": USERNAME, "password": password, "csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=60,
    )


def floor(base: str, count: int) -> float:
    """Seconds for `count` correct sign-ins on the token endpoint, two clients at once."""

    def one(_: int) -> None:
        assert api_sign_in(requests.Session(), base, PASSWORD).status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, range(count)))
    return time.perf_counter() - started


@dataclass
class Probe:
    statuses: list[int]
    retry_after: str | None
    seconds: float


def probe_limits(base: str, sign_in) -> Probe:
    """One address sending wrong passwords until the server has refused three in a row."""
    session, statuses, retry_after = requests.Session(), [], None
    started = time.perf_counter()
    for n in range(20):
        answer = sign_in(session, base, f"wrong-{n}")
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            retry_after = retry_after or answer.headers.get("Retry-After")
            if statuses[-3:] == [429, 429, 429]:
                break
    return Probe(statuses, retry_after, time.perf_counter() - started)


# --- In-process, on a simulated clock ------------------------------------------------------


@dataclass
class Attack:
    seconds_waited: float
    seconds_requests: float
    checked: int
    refused: int

    def total(self, hash_cost: float) -> float:
        return self.seconds_waited + self.seconds_requests + self.checked * hash_cost


def simulated_attack(endpoint: str, *, rotate_addresses: bool, tries: int = TRIES) -> Attack:
    import time_machine
    from django.contrib.auth.signals import user_login_failed
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    checked = Counter()

    def count(sender, credentials, **kwargs):
        checked["failed"] += 1

    user_login_failed.connect(count)
    client = Client()
    waited = spent = 0.0
    refused = 0
    try:
        with time_machine.travel(datetime.now(UTC), tick=False) as clock:
            while checked["failed"] < tries:
                n = checked["failed"]
                address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" if rotate_addresses else "10.0.0.1"
                body = {"username": USERNAME, "password": f"wrong-{n}"}
                started = time.perf_counter()
                if endpoint == "api":
                    answer = client.post(
                        "/api/v1/auth/token/", body, content_type="application/json", REMOTE_ADDR=address
                    )
                else:
                    answer = client.post("/login/", body, REMOTE_ADDR=address)
                spent += time.perf_counter() - started
                if answer.status_code == 429:
                    refused += 1
                    wait = int(answer["Retry-After"])
                    if checked["failed"] == n:  # refused without a check: the attacker waits
                        clock.shift(wait)
                        waited += wait
    finally:
        user_login_failed.disconnect(count)
    return Attack(waited, spent, checked["failed"], refused)


def hash_cost() -> float:
    from django.contrib.auth.hashers import check_password, make_password

    encoded = make_password(PASSWORD)
    started = time.perf_counter()
    for _ in range(5):
        check_password("wrong", encoded)
    return (time.perf_counter() - started) / 5


def human(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds >= 120:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s"


def main() -> int:
    args = parse_args()
    admin_url = server_url()
    bench_url = recreate_database(admin_url, args.database)
    log = PROJECT_ROOT / "var" / "bench_login.log"
    log.parent.mkdir(exist_ok=True)
    try:
        setup_django(bench_url)
        from django.conf import settings
        from django.core.cache import cache
        from django.core.management import call_command
        from django.test.utils import override_settings

        from backend.accounts.models import Role, User

        call_command("migrate", verbosity=0, interactive=False)
        user = User.objects.create_user(USERNAME, password=PASSWORD, role=Role.OWNER)

        per_check = hash_cost()
        print(f"hasher {settings.PASSWORD_HASHERS[0].rsplit('.', 1)[-1]}: {per_check * 1000:.0f} ms per password check")

        with gunicorn(bench_url, log, **LIMITS_OFF) as base:
            api_sign_in(requests.Session(), base, PASSWORD)  # warm both workers' imports
            floor_s = floor(base, args.floor) * TRIES / args.floor
        print(f"floor: {TRIES:,} correct sign-ins, no limits, 2 workers: {human(floor_s)} (from {args.floor}, scaled)")

        limits = (
            f"{settings.LOGIN_RATE_PER_ADDRESS} per address, {settings.LOGIN_RATE_PER_ACCOUNT} per account, "
            f"lockout after {settings.LOGIN_LOCKOUT_FAILURES} failures for {settings.LOGIN_LOCKOUT_SECONDS} s"
        )
        print(f"limits (production defaults): {limits}")
        with gunicorn(bench_url, log) as base:
            for name, sign_in in (("token endpoint", api_sign_in), ("login page", page_sign_in)):
                cache.clear()
                probe = probe_limits(base, sign_in)
                print(
                    f"  over HTTP, {name}: answers {probe.statuses} in {probe.seconds:.1f} s, "
                    f"Retry-After {probe.retry_after} s"
                )

        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            user.set_password(PASSWORD)
            user.save()
            rows = []
            for endpoint, label in (("api", "token endpoint"), ("page", "login page")):
                for rotate in (False, True):
                    attack = simulated_attack(endpoint, rotate_addresses=rotate)
                    total = attack.total(per_check)
                    who = "a new address per guess" if rotate else "one address"
                    rows.append((label, who, total))
                    print(
                        f"  {TRIES:,} guesses, {label}, {who}: {human(total)} "
                        f"(waits {human(attack.seconds_waited)}, requests {attack.seconds_requests:.1f} s, "
                        f"{attack.checked} checked, {attack.refused} refused) = {total / floor_s:,.0f}x the floor"
                    )
        cache.clear()
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(admin_url, args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
