"""API keys that officials issue to outside apps, and the service requests those apps
filed through Open311 GeoReport v2 (docs/api.md#open311)."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.pickup_requests.models import OPEN_STATUSES, PickupRequest, RequestKind
from backend.tags.models import TagReport


class ApiKeyQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ApiKeyQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()

    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A key an official gave one named outside app (a city complaint system, a civic
    app) so that it may file requests for the official's municipality.

    Only a SHA-256 of the key is kept: the key itself is shown once, when it is made.
    The key holds 256 random bits, so a fast hash is enough (nobody can try them all),
    and a lookup by hash needs no comparison in Python."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    app_name = models.CharField(max_length=100, verbose_name=_("App name"))
    prefix = models.CharField(max_length=8, help_text="the key's first characters, to tell keys apart")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="revoked_key_has_who",
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app_name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ServiceCode(models.TextChoices):
    """The services offered through Open311, each answered by an existing domain request."""

    EXTRA_PICKUP = "extra_pickup", _("Extra pickup")
    MISSED_PICKUP = "missed_pickup", _("Missed pickup report")
    TAG_PROBLEM = "tag_problem", _("Lost or damaged tag")


#: The pickup request kind behind each pickup service.
PICKUP_KINDS: dict[str, str] = {
    ServiceCode.EXTRA_PICKUP: RequestKind.EXTRA_PICKUP,
    ServiceCode.MISSED_PICKUP: RequestKind.MISSED_PICKUP,
}


class ServiceRequestQuerySet(models.QuerySet):
    def open(self) -> "ServiceRequestQuerySet":
        return self.filter(_OPEN)

    def closed(self) -> "ServiceRequestQuerySet":
        return self.filter(_CLOSED)


_OPEN = Q(pickup_request__status__in=OPEN_STATUSES) | Q(tag_report__isnull=False, tag_report__resolved_at__isnull=True)
_CLOSED = Q(pickup_request__isnull=False) & ~Q(pickup_request__status__in=OPEN_STATUSES) | Q(
    tag_report__resolved_at__isnull=False
)


class ServiceRequest(models.Model):
    """A request an outside app filed through Open311: which key filed it, and the
    pickup request or tag report it became. Its id is the `service_request_id`."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, related_name="service_requests")
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    service_code = models.CharField(max_length=16, choices=ServiceCode.choices)
    pickup_request = models.OneToOneField(
        PickupRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="open311_request"
    )
    tag_report = models.OneToOneField(
        TagReport, null=True, blank=True, on_delete=models.PROTECT, related_name="open311_request"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ServiceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "created_at"], name="open311_request_jurisdiction")]
        constraints = [
            models.CheckConstraint(
                name="open311_request_is_one_thing",
                condition=Q(pickup_request__isnull=False, tag_report__isnull=True)
                | Q(pickup_request__isnull=True, tag_report__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service_code} {self.id}"

    @property
    def is_open(self) -> bool:
        if self.pickup_request is not None:
            return self.pickup_request.status in OPEN_STATUSES
        return self.tag_report is not None and self.tag_report.resolved_at is None
