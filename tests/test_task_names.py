"""Celery tasks are named `<app>.<function>`, and the beat only schedules tasks that exist."""

import importlib
import pkgutil

from django.conf import settings

import backend
from backend.config.celery import app


def _project_tasks():
    for module in pkgutil.iter_modules(backend.__path__):
        try:
            importlib.import_module(f"backend.{module.name}.tasks")
        except ModuleNotFoundError:
            continue
    return {name: task for name, task in app.tasks.items() if task.__module__.startswith("backend.")}


def test_every_task_is_named_app_dot_function():
    tasks = _project_tasks()
    assert tasks
    for name, task in tasks.items():
        app_label = task.__module__.split(".")[1]
        assert name == f"{app_label}.{task.__name__}"


def test_the_beat_schedules_only_known_tasks():
    tasks = _project_tasks()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in tasks
