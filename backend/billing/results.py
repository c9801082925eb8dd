"""What a finished billing run did, for the officials' page: invoices issued and their
totals, and the restaurants it skipped, each with why."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.billing.models import BillingRun, Invoice, RunStatus
from backend.restaurants.models import Restaurant

#: Skipped restaurants listed on the page (the count is always complete).
SKIPPED_SHOWN = 100

INVOICED_EARLIER = "invoiced_earlier"
NOTHING_TO_BILL = "nothing_to_bill"
REASONS = {
    INVOICED_EARLIER: _("Already invoiced for this month"),
    NOTHING_TO_BILL: _("Nothing to bill: no weighing, no bin in service"),
}


@dataclass
class Skipped:
    restaurant_id: object
    name: str
    reason: str
    earlier_run_id: object | None

    @property
    def reason_text(self) -> str:
        return str(REASONS[self.reason])


@dataclass
class RunResult:
    invoices: int
    total_krw: int
    subtotal_krw: int
    skipped_count: int
    skipped: list[Skipped]


def run_result(run: BillingRun, *, shown: int = SKIPPED_SHOWN) -> RunResult | None:
    """None until the run is done. Three queries whatever the municipality's size."""
    if run.status != RunStatus.DONE:
        return None
    totals = Invoice.objects.filter(run=run).aggregate(
        invoices=Count("id"), total=Sum("total_krw"), subtotal=Sum("subtotal_krw")
    )
    earlier = Invoice.objects.filter(restaurant=OuterRef("pk"), period=run.period).values("run_id")[:1]
    candidates = (
        Restaurant.objects.filter(municipality_id=run.municipality_id, created_at__lt=run.finished_at or timezone.now())
        .exclude(invoices__run=run)
        .annotate(earlier_run=Subquery(earlier))
    )
    skipped = [
        Skipped(row["id"], row["name"], INVOICED_EARLIER if row["earlier_run"] else NOTHING_TO_BILL, row["earlier_run"])
        for row in candidates.order_by("name", "id").values("id", "name", "earlier_run")[:shown]
    ]
    return RunResult(
        invoices=totals["invoices"],
        total_krw=totals["total"] or 0,
        subtotal_krw=totals["subtotal"] or 0,
        skipped_count=candidates.count(),
        skipped=skipped,
    )
