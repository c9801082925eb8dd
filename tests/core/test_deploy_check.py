"""`manage.py check --deploy` with the production settings documented in .env.example
(and the README) reports no warnings."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def documented_production_environment() -> dict[str, str]:
    values = {}
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    assert values["DJANGO_ENV"] == "production" and values["DEBUG"] == "0"
    # The secrets .env.example leaves for each installation to generate.
    values["SECRET_KEY"] = values["SECRET_KEY"] or secrets.token_urlsafe(50)
    values["PAYMENT_SANDBOX_SECRET"] = values["PAYMENT_SANDBOX_SECRET"] or secrets.token_hex(32)
    return values


def check_deploy() -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        **documented_production_environment(),
    }
    return subprocess.run(
        [sys.executable, "backend/manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def deploy_check():
    return check_deploy()


def test_the_documented_production_settings_pass_the_security_checks(deploy_check):
    output = deploy_check.stdout + deploy_check.stderr
    assert "Traceback" not in output, output
    security = [line for line in output.splitlines() if "(security." in line or "(django." in line]
    assert security == [], output


def test_check_deploy_reports_no_warnings_at_all(deploy_check):
    output = deploy_check.stdout + deploy_check.stderr
    assert deploy_check.returncode == 0, output
    assert "no issues" in output, output


def test_production_with_nhn_alimtalk_refuses_to_start_without_redis_for_the_rate_limit():
    """The database cache's `incr` reads then writes: two workers could both send past
    NHN's per-second limit."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "PYTHONPATH": str(PROJECT_ROOT),
        "DJANGO_SETTINGS_MODULE": "backend.config.settings",
        **documented_production_environment(),
        "ALIMTALK_NOTIFIER_CLASS": "backend.notifications.nhn_bizmessage.NhnAlimTalkNotifier",
        **{f"NHN_BIZMESSAGE_{name}": "x" for name in ("APP_KEY", "SECRET_KEY", "SENDER_KEY")},
    }
    started = "import django; django.setup()"
    run = [sys.executable, "-c", started]
    assert subprocess.run(run, cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=120).returncode == 0
    refused = subprocess.run(
        run, cwd=PROJECT_ROOT, env={**env, "CACHE_URL": ""}, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "set CACHE_URL to Redis" in refused.stderr
