import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.accounts.models import User
from backend.restaurants.models import Bin
from backend.tags import codes


class TagStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    REVOKED = "revoked", _("Revoked")


class TagQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TagQuerySet":
        return self.filter(bin__in=Bin.objects.visible_to(user))

    def active(self) -> "TagQuerySet":
        return self.filter(status=TagStatus.ACTIVE)


class Tag(models.Model):
    """The NFC chip and QR code stuck on one bin, both holding `url`.

    A bin has at most one active tag (the database enforces it). A lost or damaged
    tag is replaced by issuing a new one, which revokes the old: scans of a revoked
    tag are refused unless the crew took them before the revocation.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bin = models.ForeignKey("restaurants.Bin", on_delete=models.PROTECT, related_name="tags")
    code = models.CharField(max_length=codes.CODE_LENGTH, unique=True, default=codes.new_code, editable=False)
    manual_code = models.CharField(
        max_length=codes.MANUAL_LENGTH, unique=True, default=codes.new_manual_code, editable=False
    )
    # Verbose names: the change history on the officials' pages names the fields with them.
    status = models.CharField(
        max_length=16, choices=TagStatus.choices, default=TagStatus.ACTIVE, verbose_name=_("Status")
    )
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("Revoked at"))
    revoked_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("Revoked by")
    )
    revoke_reason = models.CharField(max_length=200, blank=True, verbose_name=_("Reason for revoking"))
    nfc_uid = models.CharField(
        max_length=20,
        blank=True,
        verbose_name=_("NFC chip UID"),
        help_text="UID of the chip the URL was written to, hex",
    )
    # NTAG 424 DNA tags programmed for Secure Unique NFC (docs/sun.md): every tap
    # carries a MAC over the chip's UID and tap counter, which must keep rising.
    sun_enabled = models.BooleanField(default=False, verbose_name=_("Secure NFC (SUN)"))
    sun_last_counter = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("Last tap counter"))
    # Changes the crews' directory sends on (routes/selectors.py): issuing and revoking. A tap's
    # counter (sun_last_counter) is saved without it, so that scans do not resend the bin.
    updated_at = models.DateTimeField(auto_now=True, db_default=Now(), db_index=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["bin"], condition=Q(status="active"), name="one_active_tag_per_bin"),
            models.CheckConstraint(name="sun_tag_has_uid", condition=Q(sun_enabled=False) | ~Q(nfc_uid="")),
            models.CheckConstraint(
                name="revoked_tag_has_time",
                condition=Q(status="active", revoked_at__isnull=True) | Q(status="revoked", revoked_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def url(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/t/{self.code}"

    @property
    def manual_code_display(self) -> str:
        return codes.format_manual_code(self.manual_code)

    @property
    def is_active(self) -> bool:
        return self.status == TagStatus.ACTIVE

    def was_active_at(self, moment) -> bool:
        """Crews sync late: a scan taken before the revocation still counts."""
        return self.revoked_at is None or moment < self.revoked_at

    def revoke(self, *, by: User, reason: str) -> None:
        self.status = TagStatus.REVOKED
        self.revoked_at = timezone.now()
        self.revoked_by = by
        self.revoke_reason = reason
        self.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason", "updated_at"])

    def record_nfc_uid(self, uid_hex: str, *, sun_enabled: bool = False) -> None:
        """The chip this tag's URL was written to; a new chip starts a new tap counter."""
        self.nfc_uid = uid_hex.replace(":", "").upper()
        self.sun_enabled = sun_enabled
        self.sun_last_counter = None
        self.save(update_fields=["nfc_uid", "sun_enabled", "sun_last_counter"])


class LabelSheetStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("label sheet", "Waiting")  # not a handover's "awaiting confirmation"
    BUILDING = "building", _("Being made")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class LabelSheetQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LabelSheetQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class LabelSheet(models.Model):
    """An A4 PDF of tag labels an official asked for, and the tags printed on it: a tag is
    "printed" once a sheet holding it is done. Big sheets are built in the background; the
    page follows `done_count` of `tag_count`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    tags = models.ManyToManyField(Tag, related_name="label_sheets")
    status = models.CharField(max_length=16, choices=LabelSheetStatus.choices, default=LabelSheetStatus.PENDING)
    tag_count = models.PositiveIntegerField(default=0)
    done_count = models.PositiveIntegerField(default=0)
    pdf = models.FileField(upload_to="label-sheets/", blank=True)
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = LabelSheetQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"label sheet {self.created_at:%Y-%m-%d %H:%M} ({self.tag_count})"

    @property
    def percent(self) -> int:
        return 100 if not self.tag_count else self.done_count * 100 // self.tag_count

    @property
    def is_finished(self) -> bool:
        return self.status in (LabelSheetStatus.DONE, LabelSheetStatus.FAILED)


class TagReportKind(models.TextChoices):
    LOST = "lost", _("The tag is lost")
    DAMAGED = "damaged", _("The tag is damaged")


class TagReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TagReportQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(bin__restaurant__municipality_id=user.municipality_id)
        if user.is_owner:
            return self.filter(bin__restaurant__owner=user)
        return self.none()

    def open(self) -> "TagReportQuerySet":
        return self.filter(resolved_at__isnull=True)


class TagReport(models.Model):
    """An owner's "my tag is lost or damaged": it waits in the officials' console until a
    new tag is issued for the bin (which resolves it) or an official closes it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="tag_reports")
    tag = models.ForeignKey(Tag, null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    kind = models.CharField(max_length=16, choices=TagReportKind.choices)
    note = models.CharField(max_length=200, blank=True)
    reported_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = TagReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["bin"], condition=Q(resolved_at__isnull=True), name="one_open_tag_report_per_bin"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.bin_id})"
