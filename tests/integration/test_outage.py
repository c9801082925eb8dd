"""PostgreSQL stopped and started under a running server (gunicorn) and a real Celery
worker: 503 with Retry-After while it is down and never a 500, nothing lost, and both
carry on once it is back, without a restart.

The test runs on a private embedded PostgreSQL (backend/localdb.py) of its own, so that
stopping it disturbs neither the suite's database nor an external server (CI's second
run, with DATABASE_URL set). Its database is also the worker's broker, so the worker
loses both at once, the harder case.
"""

import concurrent.futures
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest
import requests

from backend import localdb
from tests.celery_worker import CeleryWorker

pytestmark = [pytest.mark.worker]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUEUE = "tests-outage"
SEED = """
import json
from tests import factories as f
city = f.MunicipalityFactory(name="서울특별시 마포구", code="11440")
district = f.DistrictFactory(municipality=city, name="서교동")
hauler = f.HaulerFactory(municipality=city)
hauler.districts.add(district)
crew = f.UserFactory(username="crew", role="collector", hauler=hauler)
crew.set_password("crew-password-1")
crew.save()
tag = f.TagFactory(bin=f.BinFactory(restaurant=f.RestaurantFactory(district=district), capacity_liters=120))
print(json.dumps({"tag_url": tag.url, "tag_code": tag.code}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if condition():
                return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


class PrivateDatabase:
    """An embedded PostgreSQL under var/, for this test only."""

    def __init__(self):
        # Under var/ (not /tmp/pytest-of-*, which is private to its owner): the server
        # runs as its own system user when the tests run as root.
        (PROJECT_ROOT / "var").mkdir(exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="outage-", dir=PROJECT_ROOT / "var"))
        self.root.chmod(0o755)
        self.data_dir = self.root / "pg"
        self.url = localdb.start(self.data_dir)

    def stop(self):
        localdb.stop(self.data_dir)

    def start(self):
        assert localdb.start(self.data_dir) == self.url

    def query(self, sql: str, *params):
        with contextlib.closing(psycopg2.connect(self.url)) as connection, connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def remove(self):
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def database():
    db = PrivateDatabase()
    yield db
    db.remove()


def environment(database) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings_test",
        "DJANGO_ENV": "test",
        "DATABASE_URL": database.url,
        "CELERY_BROKER_URL": database.url,
        "CELERY_TEST_QUEUE": QUEUE,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "PYTHONPATH": str(PROJECT_ROOT),
        "SERVICE_UNAVAILABLE_RETRY_AFTER": "7",
    }
    env.pop("TEST_DATABASE_NAME", None)
    return env


@pytest.fixture(scope="module")
def seeded(database):
    env = environment(database)
    manage = [sys.executable, "backend/manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=PROJECT_ROOT, env=env, check=True, timeout=300)
    seed = subprocess.run(
        [*manage, "shell", "-c", SEED], cwd=PROJECT_ROOT, env=env, check=True, timeout=120, capture_output=True
    )
    return json.loads(seed.stdout.decode().strip().splitlines()[-1])


@pytest.fixture(scope="module")
def server(database, seeded, tmp_path_factory):
    port = free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "backend.config.wsgi",
        "-c",
        "backend/config/gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",
        "--access-logfile",
        "-",
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=environment(database), stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: requests.get(f"{base}/healthz", timeout=5).status_code == 200, 60, "gunicorn")
        yield base, process, log_path
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
        if process.poll() is None:
            process.kill()


def scan(tag_url: str, weight_kg: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "tag": tag_url,
        "weight_kg": weight_kg,
        "collected_at": datetime.now(UTC).isoformat(),
        "source": "nfc",
    }


def assert_service_unavailable(response, *, api: bool):
    assert response.status_code == 503, (response.status_code, response.text[:300])
    assert int(response.headers["Retry-After"]) == 7
    if api:
        error = response.json()["error"]
        assert error["code"] == "service_unavailable" and set(error) == {"code", "message", "fields"}
    else:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "잠시 후 다시 시도해 주세요" in response.text
        assert "OperationalError" not in response.text


def test_the_database_stopped_and_started_under_the_server_and_the_worker(database, seeded, server):
    base, gunicorn, gunicorn_log = server
    session = requests.Session()
    token = session.post(
        f"{base}/api/v1/auth/token/", json={"username": "crew", "password": "crew-password-1"}, timeout=10
    ).json()["token"]
    session.headers["Authorization"] = f"Token {token}"
    batch = f"{base}/api/v1/collections/batch/"
    statuses: list[int] = []
    # The same crew member signed in on the phone's pages.
    phone = requests.Session()
    login_form = phone.get(f"{base}/login/", timeout=10).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_form).group(1)
    signed_in = phone.post(
        f"{base}/login/",
        data={"username": "crew", "password": "crew-password-1", "csrfmiddlewaretoken": csrf},
        timeout=10,
    )
    assert signed_in.status_code == 200 and "로그아웃" in signed_in.text

    def page(path):
        response = phone.get(f"{base}{path}", timeout=30)
        statuses.append(response.status_code)
        return response

    def get(path, **kwargs):
        response = session.get(f"{base}{path}", timeout=30, **kwargs)
        statuses.append(response.status_code)
        return response

    def post_batch(*events):
        response = session.post(batch, json={"events": list(events)}, timeout=30)
        statuses.append(response.status_code)
        return response

    worker_env = {key: environment(database)[key] for key in ("DATABASE_URL", "CELERY_BROKER_URL")}
    with CeleryWorker(queues=(QUEUE,), concurrency=1, env={**worker_env, "CELERY_TEST_QUEUE": QUEUE}) as worker:
        before = scan(seeded["tag_url"], "10.500")
        assert post_batch(before).json()["results"][0]["status"] == "created"
        # Every thread of the server holds a database connection when the database goes.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            assert {r.status_code for r in pool.map(lambda _: get("/api/v1/me/"), range(16))} == {200}

        database.stop()
        log_size_at_outage = len(worker.log())
        during = scan(seeded["tag_url"], "7.250")
        outage_started = time.monotonic()
        while time.monotonic() - outage_started < 12:
            assert_service_unavailable(post_batch(during), api=True)
            assert_service_unavailable(get("/api/v1/me/"), api=True)
            assert_service_unavailable(get(f"/t/{seeded['tag_code']}"), api=False)
            assert_service_unavailable(page(f"/t/{seeded['tag_code']}"), api=False)
            assert_service_unavailable(page("/"), api=False)
            assert get("/healthz").status_code == 503
            time.sleep(1)
        worker_log_during_outage = len(worker.log()) - log_size_at_outage
        assert worker.process.poll() is None, (
            f"the worker exited ({worker.process.returncode}) while the database was down:\n{worker.log()[-4000:]}"
        )

        database.start()
        # The first request on every thread after the restart succeeds (connections are
        # checked before reuse), and the reader's retry is stored, once.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            assert {r.status_code for r in pool.map(lambda _: get("/api/v1/me/"), range(16))} == {200}
        assert post_batch(during).json()["results"][0]["status"] == "created"
        assert post_batch(during).json()["results"][0]["status"] == "duplicate"
        assert get(f"/t/{seeded['tag_code']}").status_code == 200
        assert page(f"/t/{seeded['tag_code']}").status_code == 200  # still signed in: the crew's form
        assert "로그아웃" in page("/").text

        # A restart nobody noticed (no request while it was down): every thread still
        # holds a connection to the old server, checked before reuse and replaced.
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            assert {r.status_code for r in pool.map(lambda _: get("/api/v1/me/"), range(16))} == {200}
        database.stop()
        database.start()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            assert [r.status_code for r in pool.map(lambda _: get("/api/v1/me/"), range(16))] == [200] * 16

        # The worker carries on by itself: a task sent now is run.
        from backend.config.celery import app

        with app.connection_for_write(database.url, transport="backend.core.broker:Transport") as connection:
            result = app.send_task("pickup_requests.settle_pickup_requests", queue=QUEUE, connection=connection)
        wait_until(lambda: f"[{result.id}] succeeded" in worker.log(), 90, "the worker to run a task after the outage")

    stored = database.query("SELECT id::text, weight_g FROM collection_events_collectionevent ORDER BY weight_g")
    assert stored == [(during["id"], 7_250), (before["id"], 10_500)]
    assert 500 not in statuses and not any(status >= 500 and status != 503 for status in statuses)
    assert gunicorn.poll() is None, "the server exited"
    assert "Traceback" not in gunicorn_log.read_text(errors="replace")
    # The worker waited with a growing interval: a few lines a minute, not a log flood.
    assert worker_log_during_outage < 16_000, worker.log()[-3000:]
