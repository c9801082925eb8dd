"""Attaching the photo a crew took to the scan it belongs to.

This app sits above billing because one rule needs it: a scan already on an issued
invoice takes no new evidence (the invoice and what the owner was shown must not
change under them). Which invoice billed a scan is billing's knowledge
(billing/windows.py reads it from the invoices' snapshots); the photo itself is
part of the scan's record (collection_events.ScanPhoto), read wherever scans are.
"""

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.billing import windows
from backend.collection_events.models import CollectionEvent, ScanPhoto
from backend.core.errors import DomainError
from backend.scan_photos import images


def scan_not_found() -> DomainError:
    """A scan that does not exist and one recorded by another crew answer alike."""
    return DomainError("not_found", _("Not found."), status_code=404)


def photo_too_large() -> DomainError:
    limit = settings.SCAN_PHOTO_MAX_BYTES
    return DomainError(
        "photo_too_large",
        _("The photo is too large (at most %(megabytes)s MB).") % {"megabytes": f"{limit / 1_000_000:g}"},
        fields={"image": [f"at most {limit} bytes"]},
        status_code=413,
    )


def photo_required() -> DomainError:
    return DomainError(
        "validation_error",
        _("A photo file (multipart field `image`) is required."),
        fields={"image": ["required"]},
    )


def _already_attached() -> DomainError:
    return DomainError(
        "photo_already_attached",
        _("Another photo is already attached to this scan."),
        fields={"image": ["another photo is attached"]},
        status_code=409,
    )


def _already_billed(invoice_number: str) -> DomainError:
    return DomainError(
        "scan_already_billed",
        _("This scan is already on invoice %(number)s.") % {"number": invoice_number},
        fields={"event": [f"billed on {invoice_number}"]},
        status_code=409,
    )


def attach_scan_photo(
    *, event_id: uuid.UUID, uploaded_by: User, upload: "UploadedFile[bytes]"
) -> tuple[ScanPhoto, bool]:
    """Store `upload` as the photo of the scan `event_id`, recorded by `uploaded_by`.

    Returns (photo, created). The same bytes sent again (a retry from the phone's
    outbox) return the photo already stored, with created False."""
    if upload.size is None or upload.size > settings.SCAN_PHOTO_MAX_BYTES:
        raise photo_too_large()
    data = upload.read(settings.SCAN_PHOTO_MAX_BYTES + 1)
    if len(data) > settings.SCAN_PHOTO_MAX_BYTES:
        raise photo_too_large()
    sha256 = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        # The lock makes two uploads for one scan wait for each other: the second
        # then sees the first's photo and is answered as a retry or a conflict.
        event = (
            CollectionEvent.objects.select_for_update(of=("self",)).filter(id=event_id, collector=uploaded_by).first()
        )
        if event is None:
            raise scan_not_found()
        existing = ScanPhoto.objects.filter(event=event).first()
        if existing is not None:
            if existing.sha256 == sha256:
                return existing, False
            raise _already_attached()
        invoice_number = windows.billed_on(event.id)
        if invoice_number is not None:
            raise _already_billed(invoice_number)
        stored = images.reencode(data)
        photo = _store(event, stored, sha256=sha256, uploaded_by=uploaded_by)
    return photo, True


def _store(event: CollectionEvent, stored: images.StoredPhoto, *, sha256: str, uploaded_by: User) -> ScanPhoto:
    """Write the file, then its row. The phone's photo id is kept when it names one no
    other scan's photo has (a phone reusing an id must not make this fail)."""
    photo_id = event.photo_id
    if photo_id is None or ScanPhoto.objects.filter(id=photo_id).exists():
        photo_id = uuid.uuid4()
    photo = ScanPhoto(
        id=photo_id,
        event=event,
        sha256=sha256,
        width=stored.width,
        height=stored.height,
        bytes=len(stored.jpeg),
        uploaded_by=uploaded_by,
    )
    photo.image.save("photo.jpg", ContentFile(stored.jpeg), save=False)
    try:
        try:
            with transaction.atomic():
                photo.save(force_insert=True)
        except IntegrityError:
            # Another scan's photo took the phone's id between our look and our insert.
            photo.id = uuid.uuid4()
            photo.save(force_insert=True)
    except BaseException:
        photo.image.delete(save=False)  # no row will ever name the file
        raise
    return photo
