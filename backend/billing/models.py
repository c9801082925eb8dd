import uuid
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Mod
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from backend.billing.periods import Period
from backend.restaurants.models import Restaurant


class TariffQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TariffQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        if user.is_collector:
            return self.filter(municipality_id=user.hauler.municipality_id)
        if user.is_owner:
            return self.filter(municipality_id__in=Restaurant.objects.filter(owner=user).values("municipality_id"))
        return self.none()

    def in_force_on(self, day) -> "TariffQuerySet":
        return self.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=day), effective_from__lte=day)


class Tariff(models.Model):
    """A municipality's price for restaurant food waste from one date to another
    (both inclusive; an open end means until further notice). Periods of one
    municipality never overlap: services.py checks under a lock on the municipality
    (an exclusion constraint would need btree_gist, which the embedded server lacks)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    # Verbose names: what the change history calls each field (audit/_history.html).
    effective_from = models.DateField(gettext_lazy("In force from"))
    effective_to = models.DateField(gettext_lazy("In force until"), null=True, blank=True)
    price_per_kg_krw = models.PositiveIntegerField(gettext_lazy("Price per kg (won)"))
    base_fee_per_bin_krw = models.PositiveIntegerField(gettext_lazy("Base fee per bin (won)"), default=0)
    minimum_charge_krw = models.PositiveIntegerField(gettext_lazy("Minimum charge (won)"), default=0)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TariffQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                name="tariff_dates_in_order",
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F("effective_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.price_per_kg_krw} KRW/kg from {self.effective_from}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("billing run", "Queued")
    RUNNING = "running", pgettext_lazy("billing run", "Running")
    DONE = "done", pgettext_lazy("billing run", "Done")
    FAILED = "failed", pgettext_lazy("billing run", "Failed")


class BillingRunQuerySet(models.QuerySet):
    def visible_to(self, user) -> "BillingRunQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class BillingRun(models.Model):
    """One attempt to invoice a municipality's restaurants for a month.

    Its state lives here, not in the broker: whoever holds the lease (`lease_token`,
    refreshed by `heartbeat_at` after every chunk) works; a run whose heartbeat went
    stale is taken over by the next worker the reconciler sends. Invoices, not runs,
    are the unit of closing: a second run for the same month invoices only the
    restaurants that have no invoice for it yet.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    period = models.DateField(help_text="first day of the month billed")
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    total = models.PositiveIntegerField(null=True, blank=True, help_text="restaurants to invoice, once counted")
    done = models.PositiveIntegerField(default=0)
    invoices_issued = models.PositiveIntegerField(default=0)
    cursor = models.UUIDField(null=True, blank=True, help_text="last restaurant id handled, in id order")
    lease_token = models.UUIDField(null=True, blank=True)
    lease_holder = models.CharField(max_length=200, blank=True, help_text="host:pid of the process holding the lease")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    objects = BillingRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "period"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_run_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.billing_period} run {self.id} ({self.status})"

    @property
    def billing_period(self) -> Period:
        return Period.of_date(self.period)


class SnapshotField(models.Field):
    """A PostgreSQL transaction snapshot (`pg_snapshot`, text `xmin:xmax:xip,...`):
    which transactions had committed when an invoice's scans were read."""

    description = "PostgreSQL snapshot (pg_snapshot)"

    def db_type(self, connection) -> str:
        return "pg_snapshot"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("invoice", "Draft")
    ISSUED = "issued", pgettext_lazy("invoice", "Issued")
    PAID = "paid", pgettext_lazy("invoice", "Paid")
    OVERDUE = "overdue", pgettext_lazy("invoice", "Overdue")
    VOID = "void", pgettext_lazy("invoice", "Void")


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InvoiceQuerySet":
        if user.is_system_admin:
            qs = self
        elif user.is_official:
            qs = self.filter(municipality_id=user.municipality_id)
        elif user.is_owner:
            qs = self.filter(owner=user)  # billed to them when issued, whoever owns the restaurant now
        else:
            return self.none()
        return qs.exclude(status=InvoiceStatus.DRAFT) if not user.is_system_admin else qs


class Invoice(models.Model):
    """A restaurant's bill for one month. Once issued it never changes except for its
    payment state: it copies every fact it shows (names, address, rates, lines), and a
    later correction is a credit line on a later invoice.

    Its scans are those of a window: what had committed in `snapshot` and not in the
    snapshot of the restaurant's invoice before it (docs/decisions/0002-billing-runs.md).
    A restaurant's invoices form one chain, numbered 1, 2, 3... by `window_number`: the
    number is unique per restaurant, so two runs can never both extend the chain
    from the same invoice, and windows never overlap."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(max_length=32, unique=True)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="invoices")
    run = models.ForeignKey(BillingRun, null=True, on_delete=models.SET_NULL, related_name="invoices")
    period = models.DateField(help_text="first day of the month billed")
    status = models.CharField(max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    # Facts copied when issued.
    municipality_name = models.CharField(max_length=100)
    restaurant_name = models.CharField(max_length=100)
    restaurant_address = models.CharField(max_length=200)
    business_number = models.CharField(max_length=10)
    # Billed to the restaurant's owner when issued, not to whoever owns it later.
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner_name = models.CharField(max_length=150, blank=True)
    # Part of the month only, when the restaurant changed hands in it (a final
    # invoice ends the old owner's part, the month's invoice starts the new one's);
    # None: from the month's first day / to its last.
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64)
    base_fee_per_bin_krw = models.PositiveIntegerField(default=0)
    minimum_charge_krw = models.PositiveIntegerField(default=0)
    active_bins = models.PositiveIntegerField(default=0)
    # Amounts, integer KRW.
    subtotal_krw = models.BigIntegerField()
    minimum_adjustment_krw = models.BigIntegerField(default=0)
    credits_krw = models.BigIntegerField(default=0, help_text="zero or negative")
    truncated_krw = models.PositiveIntegerField(default=0)
    total_krw = models.BigIntegerField()
    prepaid_applied_krw = models.BigIntegerField(default=0)
    paid_krw = models.BigIntegerField(default=0)
    issued_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField()
    paid_at = models.DateTimeField(null=True, blank=True)
    # The billing window: scans committed in `snapshot` and not in the snapshot of
    # the restaurant's invoice numbered `window_number - 1`.
    snapshot = SnapshotField(editable=False)
    window_number = models.PositiveIntegerField(editable=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-period", "number"]
        constraints = [
            # One month's invoice per restaurant, to the month's end; besides it, a final
            # invoice per handover ending in the month (last_day: the old owner's last day).
            models.UniqueConstraint(
                fields=["restaurant", "period"],
                condition=Q(last_day__isnull=True),
                name="one_invoice_per_restaurant_period",
            ),
            models.UniqueConstraint(
                fields=["restaurant", "period", "last_day"],
                condition=Q(last_day__isnull=False),
                name="one_final_invoice_per_day",
            ),
            models.CheckConstraint(
                name="invoice_part_in_period",
                condition=(Q(first_day__isnull=True) | Q(first_day__gte=models.F("period")))
                & (Q(last_day__isnull=True) | Q(last_day__gte=models.F("period"))),
            ),
            models.UniqueConstraint(fields=["restaurant", "window_number"], name="one_invoice_per_restaurant_window"),
            models.CheckConstraint(name="invoice_window_from_1", condition=Q(window_number__gte=1)),
            models.CheckConstraint(name="invoice_total_not_negative", condition=Q(total_krw__gte=0)),
            models.CheckConstraint(
                name="invoice_total_multiple_of_10", condition=Exact(Mod("total_krw", Value(10)), Value(0))
            ),
        ]
        indexes = [models.Index(fields=["municipality", "period"], name="invoice_municipality_period")]

    def __str__(self) -> str:
        return self.number

    @property
    def billing_period(self) -> Period:
        return Period.of_date(self.period)

    @property
    def is_final(self) -> bool:
        """Ends an owner's part of the month before its last day (a handover)."""
        return self.last_day is not None

    @property
    def amount_due_krw(self) -> int:
        return max(0, self.total_krw - self.prepaid_applied_krw - self.paid_krw)

    @property
    def is_payable(self) -> bool:
        return self.status in (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE) and self.amount_due_krw > 0

    def apply_credit(self, *, amount_krw: int, at) -> None:
        """Take the account's credit off this invoice, locked by the caller (billing/credit.py):
        no money moves, the ledger already holds it; covered whole, the invoice is paid."""
        self.prepaid_applied_krw += amount_krw
        fields = ["prepaid_applied_krw"]
        if self.status in (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE) and self.amount_due_krw == 0:
            self.status, self.paid_at = InvoiceStatus.PAID, at
            fields += ["status", "paid_at"]
        self.save(update_fields=fields)

    def record_payment(self, *, amount_krw: int, at) -> None:
        """Add a payment to this invoice, locked by the caller. Paying more than is due
        settles it; the rest stays in the ledger as prepaid for the next invoice."""
        self.paid_krw += amount_krw
        fields = ["paid_krw"]
        if self.status in (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE) and self.amount_due_krw == 0:
            self.status, self.paid_at = InvoiceStatus.PAID, at
            fields += ["status", "paid_at"]
        self.save(update_fields=fields)

    def record_cancel(self, *, amount_krw: int) -> None:
        """Take a cancelled (part of a) payment off this invoice, locked by the caller:
        a paid invoice that is owed again reopens (overdue if its due date has passed)."""
        self.paid_krw -= min(amount_krw, self.paid_krw)
        fields = ["paid_krw"]
        if self.status == InvoiceStatus.PAID and self.amount_due_krw > 0:
            today = timezone.localdate(timezone=ZoneInfo(self.time_zone))
            self.status = InvoiceStatus.OVERDUE if self.due_date < today else InvoiceStatus.ISSUED
            self.paid_at = None
            fields += ["status", "paid_at"]
        self.save(update_fields=fields)


class LineKind(models.TextChoices):
    USAGE = "usage", pgettext_lazy("invoice line", "Weight")
    PRIOR_PERIOD = "prior_period", pgettext_lazy("invoice line", "Added from an earlier month")
    BASE_FEE = "base_fee", pgettext_lazy("invoice line", "Base fee")
    MINIMUM = "minimum", pgettext_lazy("invoice line", "Up to the minimum charge")
    CREDIT = "credit", pgettext_lazy("invoice line", "Correction (credit)")


class InvoiceLine(models.Model):
    """One line an owner reads: a bin's weight at one tariff, a fee, or a credit.
    The scans behind a usage line are those of the invoice's window for its bin and
    dates (billing/windows.py); a credit line names the one scan it gives back."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=LineKind.choices)
    bin = models.ForeignKey("restaurants.Bin", null=True, on_delete=models.PROTECT, related_name="+")
    bin_label = models.CharField(max_length=50, blank=True)
    tariff = models.ForeignKey(Tariff, null=True, on_delete=models.PROTECT, related_name="+")
    service_period = models.DateField(help_text="first day of the month the scans belong to")
    first_date = models.DateField(null=True, blank=True, help_text="local date of the first scan")
    last_date = models.DateField(null=True, blank=True)
    collections = models.PositiveIntegerField(default=0)
    weight_g = models.BigIntegerField(default=0)
    price_per_kg_krw = models.PositiveIntegerField(null=True, blank=True)
    exact_amount = models.DecimalField(max_digits=20, decimal_places=3)
    amount_krw = models.BigIntegerField()
    description = models.CharField(max_length=200)
    # Credit lines only: the voided scan given back. Unique: nothing is credited twice.
    credited_event = models.ForeignKey(
        "collection_events.CollectionEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,  # scans are partitioned by month (docs/architecture.md)
    )

    class Meta:
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoice_line_position"),
            models.UniqueConstraint(
                fields=["credited_event"],
                condition=Q(credited_event__isnull=False),
                name="one_credit_per_collection",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class EntryKind(models.TextChoices):
    """What moved money on a restaurant's account (docs/decisions/0004-ledger.md).
    Debits (positive): an invoice issued, a prepaid pickup drawn, a refund paid out,
    an online payment cancelled.
    Credits (negative): a payment (online or at the counter), a wallet top-up, an
    invoice's credit carried over, a drawn pickup given back."""

    CHARGE = "charge", pgettext_lazy("account entry", "Invoice issued")
    PAYMENT = "payment", pgettext_lazy("account entry", "Payment")
    CREDIT = "credit", pgettext_lazy("account entry", "Correction credit")
    REFUND = "refund", pgettext_lazy("account entry", "Refund")
    TOP_UP = "top_up", pgettext_lazy("account entry", "Wallet top-up")
    COUNTER_PAYMENT = "counter_payment", pgettext_lazy("account entry", "Payment at the counter")
    PICKUP_CHARGE = "pickup_charge", pgettext_lazy("account entry", "Pickup fee drawn")
    PICKUP_REVERSAL = "pickup_reversal", pgettext_lazy("account entry", "Cancelled pickup given back")
    # A debit: (part of) an online payment given back to the payer through the gateway.
    PAYMENT_CANCEL = "payment_cancel", pgettext_lazy("account entry", "Payment cancelled")


class BillingMode(models.TextChoices):
    POSTPAID = "postpaid", gettext_lazy("Postpaid (monthly invoice)")
    PREPAID = "prepaid", gettext_lazy("Prepaid (drawn from the wallet)")


class BillingAccountQuerySet(models.QuerySet):
    def visible_to(self, user) -> "BillingAccountQuerySet":
        return self.filter(restaurant__in=Restaurant.objects.accounts_visible_to(user))


class BillingAccount(models.Model):
    """How a restaurant pays, chosen by an official: postpaid (a monthly invoice) or
    prepaid (each billable pickup is drawn from its wallet when it is recorded, and
    the monthly invoice settles what was drawn). A restaurant without a row is postpaid."""

    restaurant = models.OneToOneField(
        "restaurants.Restaurant", primary_key=True, on_delete=models.PROTECT, related_name="billing_account"
    )
    mode = models.CharField(max_length=16, choices=BillingMode.choices, default=BillingMode.POSTPAID)
    prepaid_since = models.DateTimeField(
        null=True, blank=True, help_text="pickups collected from then on are drawn from the wallet"
    )
    low_balance_krw = models.PositiveIntegerField(
        null=True, blank=True, help_text="warn the owner below this credit; empty: the settings' default"
    )
    changed_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    objects = BillingAccountQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.restaurant_id}: {self.mode}"

    @property
    def is_prepaid(self) -> bool:
        return self.mode == BillingMode.PREPAID


class LedgerEntryQuerySet(models.QuerySet):
    def visible_to(self, user) -> "LedgerEntryQuerySet":
        """An owner sees their own accounts' entries (also of a restaurant they sold),
        never another owner's; officials their municipality's."""
        if user.is_owner:
            return self.filter(owner=user)
        return self.filter(restaurant__in=Restaurant.objects.accounts_visible_to(user))

    def of_account(self, *, restaurant_id, owner_id) -> "LedgerEntryQuerySet":
        """One account: the restaurant's entries held by one owner (None: while it had none)."""
        return self.filter(restaurant_id=restaurant_id, owner_id=owner_id)

    def balance_krw(self) -> int:
        return self.aggregate(balance=models.Sum("amount_krw"))["balance"] or 0


class LedgerEntry(models.Model):
    """Every movement of money on an account: a restaurant as held by one owner
    (`owner`; docs/decisions/0005-accounts-per-owner.md), so that money never crosses
    a sale. Positive: the account owes more (charge, refund paid out); negative: it
    owes less (payment, credit). A balance is one SUM over the account's entries;
    below zero it is prepaid and drawn down by the owner's next invoice.

    Append-only: entries are never edited or deleted. `key` names what the entry
    comes from (`<kind>:<source id>`) and is unique, so the same invoice, payment,
    pickup or refund can never be entered twice, however often its writer runs.
    The one column written later is `settled_by` of a prepaid pickup's draw: the
    invoice that took the pickup and subtracted the draw (billing/prepaid.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+")
    # Whose account: the owner the money is about (an invoice's owner, the owner of
    # the restaurant when the pickup was collected or the payment made); empty while
    # the restaurant had no owner.
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    amount_krw = models.BigIntegerField()
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.ForeignKey("payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    memo = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    key = models.CharField(max_length=100, unique=True, help_text="<kind>:<source id>; nothing is entered twice")
    # Prepaid pickups: the scan drawn (or given back), and the invoice that settled the draw.
    event = models.ForeignKey(
        "collection_events.CollectionEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # scans are partitioned by month (docs/architecture.md)
    )
    settled_by = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["restaurant", "owner", "created_at"], name="ledger_account_time"),
            # What a billing chunk looks for: prepaid draws no invoice has settled yet.
            models.Index(
                fields=["restaurant"],
                condition=Q(kind="pickup_charge", settled_by__isnull=True),
                name="ledger_unsettled_draws",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice", "kind"],
                condition=Q(kind__in=["charge", "credit"]),
                name="one_entry_per_invoice_and_kind",
            ),
            models.UniqueConstraint(fields=["payment"], name="one_entry_per_payment"),
            models.CheckConstraint(name="ledger_entry_not_zero", condition=~Q(amount_krw=0)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_krw} KRW"

    @property
    def size_krw(self) -> int:
        """How much moved, whichever way."""
        return abs(self.amount_krw)
