import uuid

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.core.bounds import REASON_MAX_LENGTH, checked_text
from backend.core.errors import DomainError
from backend.restaurants.models import Restaurant, owned_by


class RequestKind(models.TextChoices):
    EXTRA_PICKUP = "extra_pickup", _("Extra pickup")
    MISSED_PICKUP = "missed_pickup", _("Missed pickup report")


class RequestStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    DONE = "done", _("Done")
    REJECTED = "rejected", _("Turned down")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (RequestStatus.RECEIVED, RequestStatus.ASSIGNED)

# Which step may follow which. Assigning again hands the request to another crew.
NEXT_STEPS: dict[str, set[str]] = {
    RequestStatus.ASSIGNED: {RequestStatus.RECEIVED, RequestStatus.ASSIGNED},
    RequestStatus.DONE: {RequestStatus.RECEIVED, RequestStatus.ASSIGNED},
    RequestStatus.REJECTED: {RequestStatus.RECEIVED, RequestStatus.ASSIGNED},
    RequestStatus.CANCELLED: {RequestStatus.RECEIVED},  # once a crew has it, the owner calls instead
}


class PickupRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PickupRequestQuerySet":
        if user.is_authenticated and user.is_owner:
            # An owner's own requests: made while they owned the restaurant.
            return self.filter(owned_by(user, moment="created_at"))
        return self.filter(restaurant__in=Restaurant.objects.visible_to(user))

    def open(self) -> "PickupRequestQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class PickupRequest(models.Model):
    """An owner's request for a pickup (추가 수거) or report of a missed one (미수거 신고),
    tracked step by step like a parcel: every step is a PickupRequestStep row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="pickup_requests")
    bin = models.ForeignKey(
        "restaurants.Bin",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pickup_requests",
        help_text="empty: all of the restaurant's bins",
    )
    kind = models.CharField(max_length=16, choices=RequestKind.choices)
    requested_for = models.DateField(help_text="the municipality's local calendar day")
    note = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # The latest assignment, copied from its step so lists need no join through steps.
    hauler = models.ForeignKey(
        "municipalities.Hauler", null=True, blank=True, on_delete=models.PROTECT, related_name="pickup_requests"
    )
    assignee = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = PickupRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_for", "status"], name="pickup_request_day_status")]
        constraints = [
            # One open request per bin, day and kind; "all bins" counts as one more bin.
            # Two constraints rather than NULLS NOT DISTINCT, which needs PostgreSQL 15.
            models.UniqueConstraint(
                fields=["bin", "requested_for", "kind"],
                condition=Q(status__in=OPEN_STATUSES, bin__isnull=False),
                name="one_open_request_per_bin_day_kind",
            ),
            models.UniqueConstraint(
                fields=["restaurant", "requested_for", "kind"],
                condition=Q(status__in=OPEN_STATUSES, bin__isnull=True),
                name="one_open_all_bins_request_per_day_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.requested_for} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def target_label(self) -> str:
        return gettext("%(bin)s bin") % {"bin": self.bin.label} if self.bin is not None else gettext("all bins")

    def advance(
        self, *, to: str, by, reason: str = "", hauler=None, assignee=None, collection=None
    ) -> "PickupRequestStep":
        """Move to the next step and record who, when and why.

        A conditional UPDATE from the statuses that may precede `to`: of two officials
        (or an official and the settling task) only one moves the request."""
        checked_text(reason, "reason", REASON_MAX_LENGTH)
        now = timezone.now()
        changes = {"status": to}
        if to == RequestStatus.ASSIGNED:
            changes.update(hauler=hauler, assignee=assignee)
        with transaction.atomic():
            moved = PickupRequest.objects.filter(id=self.id, status__in=NEXT_STEPS[to]).update(**changes)
            if not moved:
                current = PickupRequest.objects.get(id=self.id)
                raise _cannot_move(current, to)
            step = PickupRequestStep.objects.create(
                request=self,
                status=to,
                by=by,
                at=now,
                reason=reason.strip(),
                hauler=hauler,
                assignee=assignee,
                collection=collection,
            )
        for field, value in changes.items():
            setattr(self, field, value)
        return step


def _cannot_move(current: PickupRequest, to: str) -> DomainError:
    if to == RequestStatus.CANCELLED and current.is_open:
        return DomainError(
            "not_cancellable",
            _(
                "The request is already assigned to a crew and can no longer be cancelled; "
                "please call the district office."
            ),
            status_code=409,
        )
    return DomainError(
        "request_closed",
        _("This request is already %(status)s.") % {"status": current.get_status_display()},
        status_code=409,
    )


class PickupRequestStep(models.Model):
    """One step of a request's history (접수, 배정, 처리 완료, 반려, 취소): who, when, why.

    Its id is what the owner's notice is about, so each step is told exactly once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(PickupRequest, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=16, choices=RequestStatus.choices)
    by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="empty when the system settled it from a weighing",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    hauler = models.ForeignKey(
        "municipalities.Hauler", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    collection = models.ForeignKey(
        "collection_events.CollectionEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # scans are partitioned by month (docs/architecture.md)
        help_text="the weighing that settled the request",
    )

    class Meta:
        ordering = ["at"]
        constraints = [
            models.CheckConstraint(name="rejection_has_reason", condition=~Q(status="rejected") | ~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.status} {self.at:%Y-%m-%d %H:%M}"
