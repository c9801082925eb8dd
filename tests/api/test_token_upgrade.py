"""Upgrading from DRF's authtoken: keys already in the field (truck readers, tag_tools)
keep working, now with an expiry; settings read the shared cache from CACHE_URL."""

import importlib
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.utils import timezone

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OLD_KEY = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"


def test_a_drf_token_is_carried_over_and_expires(api, collector, settings):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id bigint, created timestamptz)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, now())", [OLD_KEY, collector.pk])
    migration = importlib.import_module("backend.accounts.migrations.0002_drf_tokens_to_knox")
    with connection.schema_editor() as editor:
        migration.carry_over(apps, editor)
    api.credentials(HTTP_AUTHORIZATION=f"Token {OLD_KEY}")
    assert api.get("/api/v1/me/").json()["username"] == "collector"
    with time_machine.travel(timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS, minutes=1)):
        assert api.get("/api/v1/me/").status_code == 401


def caches_with(**environ) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_ENV": "development", **environ}
    code = "from backend.config import settings; print(settings.CACHES['default']['BACKEND'])"
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("redis://127.0.0.1:6379/1", "django.core.cache.backends.redis.RedisCache"),
        ("", "django.core.cache.backends.db.DatabaseCache"),
    ],
)
def test_the_cache_comes_from_cache_url(url, backend):
    result = caches_with(CACHE_URL=url)
    assert result.stdout.strip() == backend, result.stderr


def test_a_cache_url_that_is_not_redis_is_refused():
    result = caches_with(CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert "CACHE_URL must be a redis:// URL" in result.stderr
