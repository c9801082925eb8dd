import uuid
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Left
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    # A crew's weighing of the owner's bin, and a visit without one (backend/collection_events);
    # about = the collection event.
    PICKUP_DONE = "pickup_done", _("Pickup done")
    MISSED_PICKUP = "missed_pickup", _("Missed pickup")
    INVOICE_ISSUED = "invoice_issued", _("Invoice issued")
    INVOICE_OVERDUE = "invoice_overdue", _("Invoice overdue")
    PAYMENT_RECEIVED = "payment_received", _("Payment receipt")
    # Prepaid wallets (billing/prepaid.py, payments/wallet.py); about = the ledger entry or request.
    PICKUP_CHARGED = "pickup_charged", _("Pickup fee drawn")
    WALLET_LOW = "wallet_low", _("Low prepaid balance")
    REFUND_DECIDED = "refund_decided", _("Refund decision")
    # One per step of an owner's pickup request (backend/pickup_requests); about = the step.
    PICKUP_REQUEST_RECEIVED = "pickup_request_received", _("Pickup request received")
    PICKUP_REQUEST_ASSIGNED = "pickup_request_assigned", _("Pickup request assigned")
    PICKUP_REQUEST_DONE = "pickup_request_done", _("Pickup request done")
    PICKUP_REQUEST_REJECTED = "pickup_request_rejected", _("Pickup request rejected")
    PICKUP_REQUEST_CANCELLED = "pickup_request_cancelled", _("Pickup request cancelled")
    # A lost-or-damaged-tag report about the owner's bin made by someone else than the owner
    # (an outside app through Open311, backend/open311); about = the report (backend/tags).
    TAG_REPORTED = "tag_reported", _("Tag reported lost or damaged")
    # An official's decision on an owner's dispute (backend/disputes); about = the dispute.
    DISPUTE_DECIDED = "dispute_decided", _("Dispute decision")
    # A one-time link to set a password (backend/people); about = the link's id.
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")
    # One reminder of an important notice left unread (services.remind_unread); about = that notice's id.
    REMINDER = "reminder", _("Reminder of an unread notice")
    # An official's reminder of an overdue invoice (backend/billing/arrears.py), at most one
    # per invoice per local day: about = "<invoice id>:<YYYY-MM-DD>".
    ARREARS_REMINDER = "arrears_reminder", _("Arrears reminder")
    # The day's settlement check found differences with the payment gateway (backend/payments/
    # settlements.py), one per official and day: about = "<provider>:<YYYY-MM-DD>:<official id>".
    SETTLEMENT_DIFFERENCES = "settlement_differences", _("Settlement differences")


# Notices an owner must not miss: unread after NOTICE_REMINDER_DAYS, they are told once more.
IMPORTANT_KINDS = (NoticeKind.INVOICE_ISSUED, NoticeKind.INVOICE_OVERDUE)


# Notices that go out at once, even in their recipient's quiet hours: a person waits for
# them (a link to set a password, asked for a moment ago). Everything else waits until
# the quiet hours end (delivery.py); the notice centre shows every notice at once.
URGENT_KINDS = (NoticeKind.INVITATION, NoticeKind.PASSWORD_RESET)


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent out")
    FAILED = "failed", _("Sending failed")
    SKIPPED = "skipped", _("No way to reach them")


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NoticeQuerySet":
        """Everyone sees their own notices, and only those: officials read others' notices
        only through the object they are about (an invoice's page)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient_id=user.pk)

    def unread(self) -> "NoticeQuerySet":
        return self.filter(read_at__isnull=True)

    def about_with_reminders(self, about: str, kinds: tuple[str, ...]) -> "NoticeQuerySet":
        """The notices of `kinds` about one object, and the reminders of them."""
        told = self.filter(about=about, kind__in=kinds)
        reminder_of = [str(notice_id) for notice_id in told.values_list("id", flat=True)]
        return self.filter(Q(about=about, kind__in=kinds) | Q(kind=NoticeKind.REMINDER, about__in=reminder_of))


class Notice(models.Model):
    """A message to a person about one event. (kind, about) is unique, so the same
    event never produces two notices however often the code that raises it runs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=32, choices=NoticeKind.choices)
    about = models.CharField(max_length=64, help_text="id of the object the notice is about")
    recipient = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="notices")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True, help_text="the page it points to (an invoice, a receipt)")
    read_at = models.DateTimeField(null=True, blank=True, help_text="first opened by its recipient; null until then")
    reminded_at = models.DateTimeField(null=True, blank=True, help_text="when its one reminder was claimed")
    hold_until = models.DateTimeField(
        null=True, blank=True, help_text="held in its recipient's quiet hours: sent by the sweep from this time"
    )
    language = models.CharField(
        max_length=8, default="ko", help_text="the language its subject and body were written in: its recipient's"
    )
    variables = models.JSONField(
        default=dict,
        blank=True,
        help_text="the facts its KakaoTalk message fills in (#{...} of its kind's template), given where it is written",
    )
    claimed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when a worker last took it for sending; a claim older than the stale limit is a dead worker's",
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "about"], name="one_notice_per_event")]
        indexes = [
            # The notice centre (newest first) and the header's unread count, per person.
            models.Index(fields=["recipient", "-created_at"], name="notices_of_recipient"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="unread_notices"),
            # What the reminder beat scans: important notices nobody has read or reminded yet.
            models.Index(
                fields=["created_at"],
                condition=Q(read_at__isnull=True, reminded_at__isnull=True, kind__in=IMPORTANT_KINDS),
                name="notices_awaiting_reminder",
            ),
            # What the quiet-hours sweep scans: notices held, still waiting to be sent.
            models.Index(
                fields=["hold_until"],
                condition=Q(status="pending", hold_until__isnull=False),
                name="notices_held_for_quiet_hours",
            ),
            # The arrears list's reminders of a page of invoices (about starts with the invoice id).
            models.Index(Left("about", 36), condition=Q(kind="arrears_reminder"), name="arrears_reminders_of_invoice"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.about}"

    def claim(self, *, now: datetime | None = None) -> bool:
        """Take the notice for sending. False if another worker has it or it is done.
        A notice held for quiet hours leaves the hold here: the sweep no longer sends it.
        A claim older than NOTICE_CLAIM_STALE_SECONDS (longer than a send task may run)
        belongs to a worker that died: it may be taken again."""
        now = now or timezone.now()
        stale = now - timedelta(seconds=settings.NOTICE_CLAIM_STALE_SECONDS)
        claimed = Notice.objects.filter(
            Q(status=NoticeStatus.PENDING) | Q(status=NoticeStatus.SENDING, claimed_at__lt=stale), id=self.id
        ).update(status=NoticeStatus.SENDING, attempts=models.F("attempts") + 1, hold_until=None, claimed_at=now)
        if claimed:
            self.status, self.claimed_at, self.hold_until = NoticeStatus.SENDING, now, None
            self.attempts += 1
        return claimed == 1

    @property
    def page_path(self) -> str:
        """The notice's own page: opening it (in the app or from the email) marks it read."""
        return reverse("notices:detail", args=[self.id])

    @property
    def page_url(self) -> str:
        """The same, absolute: what a notice with a `link` says where its text links."""
        return settings.PUBLIC_BASE_URL + self.page_path

    @property
    def link_path(self) -> str:
        """`link` on this site, as a path: the page's button works on whatever host serves it."""
        base = settings.PUBLIC_BASE_URL
        return self.link[len(base) :] if self.link.startswith(base + "/") else self.link

    @property
    def body_for_page(self) -> str:
        """The body as its page shows it: where the text links to this very page, it
        links on to where the notice points instead."""
        return self.body.replace(self.page_url, self.link) if self.link else self.body

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    def mark_read(self, *, at: datetime | None = None) -> None:
        """Record the first opening. A later opening keeps the first time: the update
        only touches a notice still unread, so two tabs opening it at once agree."""
        at = at or timezone.now()
        if Notice.objects.filter(id=self.id, read_at__isnull=True).update(read_at=at):
            self.read_at = at
        else:
            self.read_at = Notice.objects.values_list("read_at", flat=True).get(id=self.id)

    def hold(self, *, until: datetime) -> bool:
        """Keep the notice until `until` (its recipient's quiet hours end); the sweep sends it
        then. Only a notice nobody has taken for sending is held."""
        held = Notice.objects.filter(id=self.id, status=NoticeStatus.PENDING).update(hold_until=until)
        if held:
            self.hold_until = until
        return held == 1

    def mark_sent(self) -> None:
        self.status, self.sent_at = NoticeStatus.SENT, timezone.now()
        self.save(update_fields=["status", "sent_at"])

    def release_after_failure(self, error: str, *, final: bool) -> None:
        self.status = NoticeStatus.FAILED if final else NoticeStatus.PENDING
        self.last_error = error[:2000]
        self.save(update_fields=["status", "last_error"])


class Channel(models.TextChoices):
    """Ways a notice reaches a person besides the notice centre (notifiers.py)."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message (SMS)")
    ALIMTALK = "alimtalk", _("KakaoTalk AlimTalk")


DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 0)


class NoticePreference(models.Model):
    """How a person wants to be told: on which channels, and not during their quiet hours
    (local times in their municipality's zone; the end may be past midnight). A person
    without a row has the defaults: email and AlimTalk, quiet from 21:00 to 08:00."""

    user = models.OneToOneField(
        "accounts.User", primary_key=True, on_delete=models.CASCADE, related_name="notice_preference"
    )
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)
    alimtalk = models.BooleanField(default=True)
    quiet_hours = models.BooleanField(default=True, help_text="hold non-urgent messages between start and end")
    quiet_start = models.TimeField(default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField(default=DEFAULT_QUIET_END)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="quiet_hours_have_length",
                condition=Q(quiet_hours=False) | ~Q(quiet_start=models.F("quiet_end")),
            )
        ]

    def __str__(self) -> str:
        return f"notice preferences of {self.user_id}"

    def wants(self, channel: str) -> bool:
        return bool(getattr(self, channel))


class DeliveryStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    ACCEPTED = "accepted", _("Accepted by the provider")
    DELIVERED = "delivered", _("Delivered")
    UNDELIVERABLE = "undeliverable", _("Undeliverable")


class UndeliverableReason(models.TextChoices):
    """Why a message can never arrive on its channel, as officials read it."""

    NO_PHONE = "no_phone", _("No valid mobile number")
    NO_TEMPLATE = "no_template", _("No KakaoTalk template for this kind of notice")
    INVALID_NUMBER = "invalid_number", _("The number does not exist")
    TEMPLATE_REJECTED = "template_rejected", _("Text rejected: it does not match its registered template")
    FALLBACK_FAILED = "fallback_failed", _("KakaoTalk failed and the text message failed too")
    REJECTED = "rejected", _("Refused by the provider")


class NoticeDeliveryQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NoticeDeliveryQuerySet":
        """Officials see the messages to the owners of their municipality (owners of a
        restaurant there, or invited through it); administrators every one; others none."""
        if not user.is_authenticated:
            return self.none()
        if user.is_system_admin:
            return self
        if not user.is_official or user.municipality_id is None:
            return self.none()
        ours = Q(notice__recipient__restaurants__municipality_id=user.municipality_id) | Q(
            notice__recipient__invited_through_id=user.municipality_id
        )
        return self.filter(id__in=NoticeDelivery.objects.filter(ours).values("id"))

    def undeliverable(self) -> "NoticeDeliveryQuerySet":
        return self.filter(status=DeliveryStatus.UNDELIVERABLE)


class NoticeDelivery(models.Model):
    """One notice on one outside channel (AlimTalk with its SMS/LMS fallback): claimed
    here before the provider is called, with our own `key` that the provider keeps
    (NHN Cloud's recipientGroupingKey), so a worker that restarts can ask whether a
    message already went before sending it again. Results come back by polling."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    key = models.UUIDField(unique=True, default=uuid.uuid4, help_text="our request key, sent with the message")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.SENDING)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="calls to the provider's send API")
    provider_message_id = models.CharField(max_length=100, blank=True)
    result_code = models.CharField(max_length=32, blank=True, help_text="the provider's last result code")
    result_message = models.CharField(max_length=300, blank=True)
    fell_back = models.BooleanField(default=False, help_text="went as a text message (SMS/LMS) instead")
    fallback_type = models.CharField(max_length=8, blank=True, help_text="SMS or LMS")
    reason = models.CharField(max_length=32, choices=UndeliverableReason.choices, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="the last call to the provider began")
    accepted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True, help_text="when the provider says it arrived")
    updated_at = models.DateTimeField(auto_now=True)

    objects = NoticeDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["notice", "channel"], name="one_delivery_per_channel")]
        indexes = [
            models.Index(fields=["-updated_at"], condition=Q(status="undeliverable"), name="undeliverable_messages"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.notice_id} {self.status}"

    def begin_attempt(self, *, now: datetime) -> None:
        """Record, before the call, that a call is being made: a restart finds it and
        asks the provider by `key` first."""
        self.attempts += 1
        self.claimed_at = now
        self.save(update_fields=["attempts", "claimed_at", "updated_at"])

    def mark_accepted(self, *, message_id: str, now: datetime) -> None:
        updated = NoticeDelivery.objects.filter(id=self.id, status=DeliveryStatus.SENDING).update(
            status=DeliveryStatus.ACCEPTED, provider_message_id=message_id[:100], accepted_at=now, updated_at=now
        )
        if updated:
            self.status, self.provider_message_id, self.accepted_at = DeliveryStatus.ACCEPTED, message_id, now

    def mark_undeliverable(self, *, reason: str, code: str = "", message: str = "") -> None:
        self.status, self.reason = DeliveryStatus.UNDELIVERABLE, reason
        self.result_code, self.result_message = code[:32], message[:300]
        self.save(update_fields=["status", "reason", "result_code", "result_message", "updated_at"])


class ResultWatermark(models.Model):
    """How far the provider's result API has been read: results updated before `until`
    are stored. The next poll starts a little before it (results are idempotent)."""

    provider = models.CharField(max_length=32, primary_key=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.provider} results until {self.until}"
