"""When a month of scans may leave the live table (docs/operations.md, "Scan partitions").

A month is archived by detaching its partition (collection_events/partitions.py).
From then on no page, invoice run or dispute can reach its scans, so it may go only
once nothing can change them or what they are billed:

- the month has ended, and so has the next one (whose invoices carry the month's late
  scans as prior-period lines);
- no scan of it is held for review (a release would bill it);
- no scan of it has an open dispute (a decision would void or correct it);
- every municipality with scans in it has a finished billing run for the month and for
  the next one, so each of its billable scans is on an invoice;
- the dispute window (the municipality's working days, disputes/deadlines.py) counted
  from the last of those invoices has closed, so no owner may still dispute a scan of
  it (a window counted from a pickup of the month closes earlier).

The rule is checked for every month asked for before any is detached: all or none.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from backend.billing.models import BillingRun, Invoice, RunStatus
from backend.collection_events import partitions
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.core.errors import DomainError
from backend.disputes.models import Dispute, DisputeStatus
from backend.municipalities.models import Municipality
from backend.municipalities.working_days import window_closes_at


@dataclass(frozen=True)
class Refusal:
    month: date
    reasons: list[str]  # stable codes: month_not_over, held_scans, open_disputes, not_invoiced, dispute_window_open


def reasons_to_keep(month: date, *, now: datetime) -> list[str]:
    """Why the month's scans must stay in the live table (empty: it may be archived)."""
    reasons = []
    after = partitions.next_month(month)
    if partitions.next_month(after) > partitions.month_of(now):
        reasons.append("month_not_over")
    start, end = partitions.month_start(month), partitions.month_start(after)
    in_month = Q(collected_at__gte=start, collected_at__lt=end)
    scans = CollectionEvent.objects.filter(in_month)
    if scans.filter(status=CollectionStatus.HELD).exists():
        reasons.append("held_scans")
    if Dispute.objects.filter(
        status=DisputeStatus.OPEN, event__collected_at__gte=start, event__collected_at__lt=end
    ).exists():
        reasons.append("open_disputes")
    municipalities = set(scans.values_list("restaurant__municipality_id", flat=True).distinct())
    for period in (month, after):
        billed = BillingRun.objects.filter(
            municipality_id__in=municipalities, period=period, status=RunStatus.DONE
        ).values_list("municipality_id", flat=True)
        if municipalities - set(billed):
            reasons.append("not_invoiced")
            break
    if any(now < closes_at for closes_at in _dispute_windows_close(municipalities, periods=[month, after])):
        reasons.append("dispute_window_open")
    return reasons


def _dispute_windows_close(municipality_ids: set[uuid.UUID], *, periods: list[date]) -> list[datetime]:
    """When each municipality's dispute window closes, counted from its last invoice of `periods`."""
    last_issued = dict(
        Invoice.objects.filter(municipality_id__in=municipality_ids, period__in=periods, issued_at__isnull=False)
        .values("municipality_id")
        .annotate(last=Max("issued_at"))
        .values_list("municipality_id", "last")
    )
    closes = []
    for municipality in Municipality.objects.filter(id__in=last_issued):
        zone = municipality.zone
        start = last_issued[municipality.id].astimezone(zone).date()
        closes.append(window_closes_at(start, municipality.dispute_window_working_days, zone))
    return closes


def archive_months(*, before: date) -> list[str]:
    """Detach every attached month before `before` into the archive schema, if the rule
    lets each of them go; otherwise detach none and raise. Returns the archived names."""
    now = timezone.now()
    months = [p.month for p in partitions.list_partitions() if p.month is not None and p.month < before]
    refusals = [Refusal(month, reasons) for month in months if (reasons := reasons_to_keep(month, now=now))]
    if refusals:
        words = {
            "month_not_over": _("the month or the next one has not ended"),
            "held_scans": _("scans held for review"),
            "open_disputes": _("open disputes"),
            "not_invoiced": _("billing not finished for the month and the next"),
            "dispute_window_open": _("owners may still dispute its scans"),
        }
        raise DomainError(
            "month_still_needed",
            _("These months cannot be archived yet: %(months)s.")
            % {
                "months": "; ".join(
                    f"{r.month:%Y-%m} ({', '.join(words[reason] for reason in r.reasons)})" for r in refusals
                )
            },
            fields={f"{r.month:%Y-%m}": r.reasons for r in refusals},
            status_code=409,
        )
    return [partitions.detach_month(month) for month in months]
