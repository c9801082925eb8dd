"""Settings for the test suite: the production settings with DJANGO_ENV=test."""

import os

os.environ.setdefault("DJANGO_ENV", "test")

from backend.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast; tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
