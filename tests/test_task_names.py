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


def test_every_task_can_be_sent_its_soft_limit_within_its_hard_one():
    """Celery refuses to send a task whose soft time limit (its own, or the default
    CELERY_TASK_SOFT_TIME_LIMIT) exceeds its hard one: beat logged the refusal every
    minute and the task never ran."""
    for name, task in _project_tasks().items():
        soft, hard = task.soft_time_limit, task.time_limit
        assert not (soft and hard and soft > hard), f"{name}: soft {soft} s > hard {hard} s"


def test_the_beat_can_send_every_scheduled_task(eager_celery, monkeypatch):
    """Each beat entry goes through apply_async as beat sends it (run eagerly here, its
    work stubbed): nothing refuses it before it reaches the broker."""
    tasks = _project_tasks()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        task = tasks[entry["task"]]
        monkeypatch.setattr(task, "run", lambda *args, **kwargs: None)
        task.apply_async()
