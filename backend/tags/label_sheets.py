"""Label sheets from the officials' pages: which tags go on a sheet, and building its A4 PDF
(tag_tools draws the labels, as the command line does) into Django's file storage.

A sheet of up to `BUILD_IN_REQUEST` labels is built while the official waits; a bigger one
is built by the `tags.build_label_sheet` task, which counts its progress on the row.
"""

import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.core.errors import DomainError
from backend.core.queueing import queue_after_commit
from backend.tags.models import LabelSheet, LabelSheetStatus, Tag
from tag_tools.labels import LabelContent, render_labels
from tag_tools.sheets import DEFAULT_GAPS, DEFAULT_LAYOUT, DEFAULT_MARGINS, parse_sheet

BUILD_IN_REQUEST = 200
MAX_LABELS = 20_000
PROGRESS_EVERY = 250  # labels between two progress writes


def unprinted_tags(tags: QuerySet[Tag]) -> QuerySet[Tag]:
    """Active tags on no finished sheet: the labels still to print."""
    printed = LabelSheet.tags.through.objects.filter(tag=OuterRef("pk"), labelsheet__status=LabelSheetStatus.DONE)
    return tags.active().exclude(Exists(printed))  # type: ignore[attr-defined]


def request_label_sheet(*, municipality_id, requested_by, tags: QuerySet[Tag]) -> LabelSheet:
    """A sheet of these tags' labels (active ones only), in the order of restaurant and bin."""
    tag_ids = list(
        tags.active().order_by("bin__restaurant__name", "bin__restaurant_id", "bin__label").values_list("pk", flat=True)  # type: ignore[attr-defined]
    )
    if not tag_ids:
        raise DomainError("no_tags", _("There are no tags to print."), status_code=409)
    if len(tag_ids) > MAX_LABELS:
        raise DomainError(
            "too_many_labels",
            _("At most %(count)s labels per sheet.") % {"count": MAX_LABELS},
        )
    with transaction.atomic():
        sheet = LabelSheet.objects.create(
            municipality_id=municipality_id, requested_by=requested_by, tag_count=len(tag_ids)
        )
        Through = LabelSheet.tags.through
        Through.objects.bulk_create([Through(labelsheet_id=sheet.pk, tag_id=pk) for pk in tag_ids], batch_size=5000)
        if len(tag_ids) > BUILD_IN_REQUEST:
            from backend.tags.tasks import build_label_sheet as build_task

            queue_after_commit(build_task, str(sheet.pk))
    if len(tag_ids) <= BUILD_IN_REQUEST:
        build_label_sheet(sheet_id=sheet.pk)
        sheet.refresh_from_db()
    return sheet


def build_label_sheet(*, sheet_id) -> LabelSheet | None:
    """Build the sheet's PDF once: claimed by a conditional UPDATE (pending → building), so a
    task delivered twice builds it once. A sheet whose build died can be asked for again."""
    claimed = LabelSheet.objects.filter(pk=sheet_id, status=LabelSheetStatus.PENDING).update(
        status=LabelSheetStatus.BUILDING
    )
    if not claimed:
        return None
    sheet = LabelSheet.objects.get(pk=sheet_id)
    tags = list(
        sheet.tags.select_related("bin__restaurant").order_by(
            "bin__restaurant__name", "bin__restaurant_id", "bin__label"
        )
    )
    labels = [
        LabelContent(
            url=tag.url,
            manual_code_display=tag.manual_code_display,
            restaurant_name=tag.bin.restaurant.name,
            bin_label=tag.bin.label,
        )
        for tag in tags
    ]

    def progress(done: int, total: int, page: int, pages: int) -> None:
        if done % PROGRESS_EVERY == 0:
            LabelSheet.objects.filter(pk=sheet_id).update(done_count=done)

    try:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "labels.pdf"
            render_labels(labels, out, parse_sheet(DEFAULT_LAYOUT, DEFAULT_MARGINS, DEFAULT_GAPS), progress=progress)
            with out.open("rb") as pdf:
                sheet.pdf.save(f"labels-{sheet.pk}.pdf", File(pdf), save=False)
    except Exception as error:
        LabelSheet.objects.filter(pk=sheet_id).update(
            status=LabelSheetStatus.FAILED, error=str(error)[:200], finished_at=timezone.now()
        )
        raise
    sheet.status = LabelSheetStatus.DONE
    sheet.done_count = len(labels)
    sheet.finished_at = timezone.now()
    sheet.save(update_fields=["pdf", "status", "done_count", "finished_at"])
    return sheet


def single_label_pdf(tag: Tag) -> bytes:
    """One tag's label on an A4 page, where the first label of the officials' standard sheet
    sits (the same drawing): what an owner prints, on a sticker sheet or plain paper, to
    replace a damaged one."""
    bin = tag.bin
    label = LabelContent(
        url=tag.url,
        manual_code_display=tag.manual_code_display,
        restaurant_name=bin.restaurant.name,
        bin_label=bin.label,
    )
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "label.pdf"
        render_labels([label], out, parse_sheet(DEFAULT_LAYOUT, DEFAULT_MARGINS, DEFAULT_GAPS))
        return out.read_bytes()
