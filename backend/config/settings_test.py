"""Settings for the test suite: the production settings with DJANGO_ENV=test."""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from backend.config.settings import *  # noqa: F403
from backend.config.settings import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

# A queue of the suite's own: two suites sharing a broker (or messages a test left
# behind for a worker that never ran) must not feed each other's workers.
_test_database = DATABASES["default"].get("TEST", {}).get("NAME") or f"test_{DATABASES['default']['NAME']}"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TEST_QUEUE") or f"tests-{_test_database}"
