"""Importing the licence register: preview an uploaded file, confirm it, map a place name.

Nothing is written to restaurants until an official confirms; the run itself is
registers/runs.py, in the background (registers/tasks.py).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.core.queueing import queue_after_commit
from backend.municipalities.models import District
from backend.registers import planning, runs, tasks
from backend.registers.models import DistrictAlias, ImportStatus, RegisterImport

# A running import whose worker has not written a chunk for this long may be started again.
STALLED_AFTER = timedelta(seconds=90)


def preview_register(*, by: User, file_name: str, content: bytes) -> RegisterImport:
    """Read the file and say what confirming it would do; a file that cannot be read
    raises a DomainError and leaves nothing behind."""
    if len(content) > settings.REGISTER_IMPORT_MAX_BYTES:
        limit_mb = settings.REGISTER_IMPORT_MAX_BYTES // 1024 // 1024
        raise DomainError(
            "register_too_large",
            _("The file is too large (at most %(limit)s MB).") % {"limit": limit_mb},
            fields={"file": ["too large"]},
            status_code=413,
        )
    register_import = RegisterImport(
        id=uuid.uuid4(),
        municipality=by.municipality,
        uploaded_by=by,
        file_name=(file_name or "")[:200],
        content=content,
    )
    _fill_preview(register_import)
    register_import.save(force_insert=True)
    return register_import


def _fill_preview(register_import: RegisterImport) -> None:
    prepared, refused, warnings = runs.prepared_rows(register_import)
    existing = runs.existing_restaurants(register_import.municipality_id)
    counts = dict.fromkeys(planning.ACTIONS, 0)
    for row in prepared:
        action, _values = planning.decide(row, existing.get(row.register_id))
        counts[action] += 1
    counts["refused"] = len(refused)
    counts["rows"] = len(prepared) + len(refused)
    counts["without_location"] = sum(
        1 for row in prepared if row.values["lat"] is None and not row.closed and row.register_id not in existing
    )
    register_import.counts = counts
    register_import.refused = refused
    register_import.warnings = warnings
    register_import.total = len(prepared)


def refresh_preview(*, register_import: RegisterImport) -> RegisterImport:
    """Judge the same file again (after officials mapped a place name)."""
    if register_import.status != ImportStatus.PREVIEW:
        raise _not_in_preview()
    _fill_preview(register_import)
    register_import.save(update_fields=["counts", "refused", "warnings", "total"])
    return register_import


def map_place(*, register_import: RegisterImport, name: str, district: District) -> DistrictAlias:
    """Officials say which District a place name of the register means, then the
    preview is judged again."""
    name = name.strip()
    if not name or len(name) > 100:
        raise DomainError("validation_error", _("Check the place name."), fields={"name": ["1-100 characters"]})
    if district.municipality_id != register_import.municipality_id:
        raise DomainError("not_found", _("Not found."), status_code=404)
    alias, _created = DistrictAlias.objects.update_or_create(
        municipality_id=register_import.municipality_id, name=name, defaults={"district": district}
    )
    if register_import.status == ImportStatus.PREVIEW:
        refresh_preview(register_import=register_import)
    return alias


def _not_in_preview() -> DomainError:
    return DomainError(
        "import_not_in_preview",
        _("This import has already been started."),
        status_code=409,
    )


def is_stalled(register_import: RegisterImport) -> bool:
    """Running, but no chunk written for a while: its worker died and may be replaced."""
    beat = register_import.heartbeat_at
    return beat is None or beat < timezone.now() - STALLED_AFTER


def confirm_import(*, register_import: RegisterImport, by: User) -> RegisterImport:
    """Start writing (a preview), or start again a run that failed or stalled; the
    background task is sent after commit. Confirming a finished import changes nothing."""
    with transaction.atomic():
        register_import = RegisterImport.objects.select_for_update().defer("content").get(id=register_import.id)
        if register_import.status == ImportStatus.DONE:
            return register_import
        if register_import.status == ImportStatus.RUNNING and not is_stalled(register_import):
            return register_import  # being worked on: nothing to do
        if register_import.status == ImportStatus.PREVIEW:
            register_import.confirmed_by = by
            register_import.confirmed_at = timezone.now()
        register_import.status = ImportStatus.RUNNING
        register_import.last_error = ""
        register_import.finished_at = None
        register_import.heartbeat_at = timezone.now()
        register_import.save(
            update_fields=["status", "confirmed_by", "confirmed_at", "last_error", "finished_at", "heartbeat_at"]
        )
        queue_after_commit(tasks.run_register_import, str(register_import.id))
    return register_import
