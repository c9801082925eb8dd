import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RegisterImportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RegisterImportQuerySet":
        if user.is_authenticated and user.is_official and user.municipality_id:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class RegisterImport(models.Model):
    """One upload of the licence register (인허가 데이터), previewed, then confirmed.

    The file itself is kept (`content`) until the run is done, so a confirmed import
    reads it again on whichever worker runs it and, if that worker dies, the next one
    resumes after `cursor` (the last 관리번호 written, in order) — registers/runs.py.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200, blank=True)
    file_format = models.CharField(max_length=20, blank=True)
    content = models.BinaryField(editable=False)
    status = models.CharField(max_length=8, choices=ImportStatus.choices, default=ImportStatus.PREVIEW)
    counts = models.JSONField(default=dict, help_text="the preview: create, update, close, unchanged, skipped, refused")
    refused = models.JSONField(default=list, help_text="[{line, reason}] rows that will not be imported")
    warnings = models.JSONField(default=list, help_text="[{line, reason}] rows imported with something left out")
    written = models.JSONField(default=dict, help_text="what the run wrote so far, by action")
    total = models.PositiveIntegerField(default=0, help_text="rows the run goes through")
    done = models.PositiveIntegerField(default=0)
    cursor = models.CharField(max_length=40, blank=True, help_text="last 관리번호 written, in order")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = RegisterImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return (
            100
            if self.total == 0 and self.status == ImportStatus.DONE
            else (100 * self.done // self.total if self.total else 0)
        )


class DistrictAlias(models.Model):
    """A place name the register uses (a 법정동 such as 망원동) for one of our Districts
    (e.g. the 행정동 망원1동), set by an official when the preview refuses it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    district = models.ForeignKey("municipalities.District", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "name"], name="district_alias_unique")]

    def __str__(self) -> str:
        return f"{self.name} → {self.district.name}"
