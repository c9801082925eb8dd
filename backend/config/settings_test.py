"""Settings for the test suite: the production settings with DJANGO_ENV=test."""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from backend.config.settings import *  # noqa: F403
from backend.config.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
# The suite signs in and scans far more often than people do, from one address; tests of
# the limits themselves set them (tests/api/test_sign_in_limits.py).
LOGIN_RATE_PER_ADDRESS = os.environ.get("LOGIN_RATE_PER_ADDRESS", "100000/min")
LOGIN_RATE_PER_ACCOUNT = os.environ.get("LOGIN_RATE_PER_ACCOUNT", "100000/min")
SCAN_RATE = os.environ.get("SCAN_RATE", "100000/min")
SCAN_EVENTS_RATE = os.environ.get("SCAN_EVENTS_RATE", "10000000/hour")
SCAN_PHOTO_RATE = os.environ.get("SCAN_PHOTO_RATE", "100000/min")
OPEN_DATA_RATE = os.environ.get("OPEN_DATA_RATE", "100000/min")

OPEN311_RATE_PER_KEY = os.environ.get("OPEN311_RATE_PER_KEY", "100000/min")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

# A queue of the suite's own: two suites sharing a broker (or messages a test left
# behind for a worker that never ran) must not feed each other's workers.
# `make test` runs the suite in two processes (pytest-xdist): pytest-django gives each
# its own test database, named with the process's id (gw0, gw1), and so does this queue.
_test_database = DATABASES["default"].get("TEST", {}).get("NAME") or f"test_{DATABASES['default']['NAME']}"
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _xdist_worker:
    _test_database = f"{_test_database}_{_xdist_worker}"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TEST_QUEUE") or f"tests-{_test_database}"
# The suite runs on the machine's clock, at any hour: people who have not chosen quiet
# hours get none in tests (and in the real worker the integration tests start), so a
# notice goes at once whenever the suite runs. Tests of quiet hours turn them on with a
# frozen clock (tests/notifications/test_quiet_hours.py).
NOTICE_QUIET_HOURS_BY_DEFAULT = False
