"""Tariffs and invoice status over time. Runs are in runs.py, pricing in pricing.py."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.billing.models import Invoice, InvoiceLine, InvoiceStatus, Tariff
from backend.billing.notices import notify_invoices_overdue
from backend.core.bounds import checked_day
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality


def _overlap() -> DomainError:
    return DomainError(
        "tariff_overlap",
        _("The dates overlap another tariff."),
        fields={"effective_from": ["overlaps another tariff"]},
        status_code=409,
    )


def _check_dates(effective_from: date, effective_to: date | None) -> None:
    checked_day(effective_from, "effective_from")
    if effective_to is not None:
        checked_day(effective_to, "effective_to")
    if effective_to is not None and effective_to < effective_from:
        raise DomainError(
            "invalid_dates",
            _("The last day is before the first day."),
            fields={"effective_to": ["before effective_from"]},
        )


def _save(tariff: Tariff, update_fields: list[str] | None = None) -> Tariff:
    """Save unless the dates overlap another tariff of the municipality. The lock on
    the municipality's row makes check-then-write safe against a concurrent save."""
    with transaction.atomic():
        Municipality.objects.select_for_update().filter(id=tariff.municipality_id).values_list("id").first()
        overlapping = Tariff.objects.filter(municipality_id=tariff.municipality_id).exclude(id=tariff.id)
        overlapping = overlapping.filter(Q(effective_to__isnull=True) | Q(effective_to__gte=tariff.effective_from))
        if tariff.effective_to is not None:
            overlapping = overlapping.filter(effective_from__lte=tariff.effective_to)
        if overlapping.exists():
            raise _overlap()
        tariff.save(update_fields=update_fields)
    return tariff


def create_tariff(
    *,
    municipality: Municipality,
    created_by: User | None,
    effective_from: date,
    effective_to: date | None = None,
    price_per_kg_krw: int,
    base_fee_per_bin_krw: int = 0,
    minimum_charge_krw: int = 0,
) -> Tariff:
    _check_dates(effective_from, effective_to)
    return _save(
        Tariff(
            municipality=municipality,
            created_by=created_by,
            effective_from=effective_from,
            effective_to=effective_to,
            price_per_kg_krw=price_per_kg_krw,
            base_fee_per_bin_krw=base_fee_per_bin_krw,
            minimum_charge_krw=minimum_charge_krw,
        )
    )


def update_tariff(*, tariff: Tariff, **changes: Any) -> Tariff:
    """A tariff that has priced an invoice keeps its rates and start; only its end may
    move, and not before the last day it priced (invoices already issued stay right)."""
    used = InvoiceLine.objects.filter(tariff=tariff)
    if used.exists():
        if set(changes) - {"effective_to"}:
            raise DomainError(
                "tariff_in_use",
                _("A tariff used on invoices can only be given a last day."),
                status_code=409,
            )
        last_priced = used.order_by("-last_date").values_list("last_date", flat=True).first()
        new_end = changes.get("effective_to")
        if new_end is not None and last_priced and new_end < last_priced:
            raise DomainError(
                "tariff_in_use",
                _("Invoices priced pickups up to %(day)s with this tariff.")
                % {"day": date_format(last_priced, "DATE_FORMAT")},
                fields={"effective_to": [f"not before {last_priced}"]},
                status_code=409,
            )
    for field, value in changes.items():
        setattr(tariff, field, value)
    _check_dates(tariff.effective_from, tariff.effective_to)
    return _save(tariff, update_fields=list(changes))


def delete_tariff(*, tariff: Tariff) -> None:
    if InvoiceLine.objects.filter(tariff=tariff).exists():
        raise DomainError(
            "tariff_in_use",
            _("A tariff used on invoices cannot be deleted."),
            status_code=409,
        )
    tariff.delete()


def mark_overdue_invoices(*, now: datetime | None = None) -> list[uuid.UUID]:
    """Issued invoices whose due date has passed in their municipality's zone become
    overdue, and each owner is told once."""
    now = now or timezone.now()
    with transaction.atomic():
        # No zone is a day ahead of UTC+14, so this bound finds every candidate.
        candidates = Invoice.objects.filter(
            status=InvoiceStatus.ISSUED, due_date__lt=now.date() + timedelta(days=1)
        ).values_list("id", "due_date", "time_zone")
        late = [pk for pk, due, zone in candidates if due < now.astimezone(ZoneInfo(zone)).date()]
        # Conditional UPDATE: a payment that settled one meanwhile keeps it paid.
        overdue = list(
            Invoice.objects.select_for_update()
            .filter(id__in=late, status=InvoiceStatus.ISSUED)
            .values_list("id", flat=True)
        )
        Invoice.objects.filter(id__in=overdue).update(status=InvoiceStatus.OVERDUE)
        notify_invoices_overdue(invoice_ids=overdue)
    return overdue
