"""Celery's way into tags: each task takes ids and calls one function."""

from celery import shared_task

from backend.tags import label_sheets


@shared_task(time_limit=600, soft_time_limit=570, name="tags.build_label_sheet")
def build_label_sheet(sheet_id: str) -> str | None:
    sheet = label_sheets.build_label_sheet(sheet_id=sheet_id)
    return str(sheet.pk) if sheet else None
