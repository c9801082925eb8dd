"""Handover: an owner reports closing or selling; an official confirms with the date.

Confirming bills the owner up to their last day (billing.runs.issue_final_invoice)
and then either closes the restaurant or hands it to the new owner from the date on
(Restaurant.hand_over: ownership periods decide who sees what). The tags stay on the
bins: the bins did not move (docs/billing.md, "Handover")."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts import services as accounts
from backend.accounts.models import Role, User
from backend.billing.models import Invoice, InvoiceStatus
from backend.billing.periods import Period
from backend.billing.runs import issue_final_invoice
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.core.bounds import checked_day, checked_text
from backend.core.errors import DomainError
from backend.handovers.models import Handover, HandoverKind, HandoverStatus
from backend.municipalities.local_time import local_midnight
from backend.people import services as people
from backend.restaurants.models import OwnershipPeriod, Restaurant, RestaurantStatus

NOTE_MAX = 500
# How far ahead an owner may report (docs/billing.md, "Handover").
AHEAD_DAYS = 90


def _not_found() -> DomainError:
    return DomainError("not_found", _("Not found."), status_code=404)


def report_handover(
    *,
    by: User,
    restaurant: Restaurant,
    kind: str,
    proposed_on: date,
    new_owner_name: str = "",
    new_owner_email: str = "",
    new_owner_phone: str = "",
    note: str = "",
) -> Handover:
    """The owner says they close (last day open) or sell (the new owner's first day)."""
    if restaurant.owner_id != by.pk:
        raise _not_found()
    if kind not in HandoverKind.values:
        raise DomainError("invalid_kind", _("Choose closing or sale."), fields={"kind": [kind]})
    checked_day(proposed_on, "proposed_on")
    checked_text(note, "note", NOTE_MAX)
    if restaurant.status == RestaurantStatus.CLOSED:
        raise DomainError("restaurant_closed", _("The restaurant is already closed."), status_code=409)
    today = timezone.now().astimezone(restaurant.municipality.zone).date()
    if proposed_on > today + timedelta(days=AHEAD_DAYS):
        raise DomainError(
            "handover_date_too_far",
            _("The date is more than %(days)s days ahead: report it closer to the day.") % {"days": AHEAD_DAYS},
            fields={"proposed_on": ["too far ahead"]},
        )
    _check_not_before_the_record(restaurant, kind, proposed_on, "proposed_on")
    if kind == HandoverKind.SALE and not (new_owner_email.strip() or new_owner_phone.strip()):
        raise DomainError(
            "new_owner_contact_required",
            _("Give the new owner's email or mobile number."),
            fields={"new_owner_email": ["email or phone required"]},
        )
    try:
        with transaction.atomic():
            return Handover.objects.create(
                restaurant=restaurant,
                kind=kind,
                reported_by=by,
                proposed_on=proposed_on,
                new_owner_name=new_owner_name.strip()[:150],
                new_owner_email=new_owner_email.strip(),
                new_owner_phone=new_owner_phone.strip(),
                note=note.strip(),
            )
    except IntegrityError:  # one waiting report per restaurant (a unique index)
        raise DomainError(
            "handover_already_reported",
            _("A report for this restaurant is already waiting."),
            status_code=409,
        ) from None


def _decided(handover: Handover) -> DomainError:
    return DomainError("handover_decided", _("This report has already been decided."), status_code=409)


def earliest_day(restaurant: Restaurant, kind: str) -> date | None:
    """The earliest date a handover of the restaurant may give, or None when nothing
    binds it. A billed day is never billed again, so the owner's last day may not come
    before the last day already invoiced (a month's invoice: the month's last day; a
    part-month one: its last day), voided invoices aside. A closing's last day open
    may not come before its last recorded pickup either (a sale's later pickups are
    the new owner's). Closing: the date is the last day open; sale: the new owner's
    first day, the day after the owner's last."""
    zone = restaurant.municipality.zone
    invoices = Invoice.objects.filter(restaurant=restaurant).exclude(status=InvoiceStatus.VOID)
    days = []
    month = invoices.filter(last_day__isnull=True).order_by("-period").values_list("period", flat=True).first()
    if month is not None:
        days.append(Period.of_date(month).last_day)
    part = invoices.filter(last_day__isnull=False).order_by("-last_day").values_list("last_day", flat=True).first()
    if part is not None:
        days.append(part)
    if kind == HandoverKind.CLOSING:
        pickup = (
            CollectionEvent.objects.filter(restaurant=restaurant)
            .exclude(status=CollectionStatus.VOID)
            .order_by("-collected_at")
            .values_list("collected_at", flat=True)
            .first()
        )
        if pickup is not None:
            days.append(pickup.astimezone(zone).date())
    if not days:
        return None
    last = max(days)
    return last if kind == HandoverKind.CLOSING else last + timedelta(days=1)


def _check_not_before_the_record(restaurant: Restaurant, kind: str, day: date, field: str) -> None:
    earliest = earliest_day(restaurant, kind)
    if earliest is not None and day < earliest:
        raise DomainError(
            "handover_date_too_early",
            _("The date may not be before %(day)s: the restaurant has pickups or invoices up to then.")
            % {"day": earliest.isoformat()},
            fields={field: ["before the last day invoiced or picked up"]},
        )


def _check_date(handover: Handover, effective_on: date, restaurant: Restaurant) -> None:
    checked_day(effective_on, "effective_on")
    zone = restaurant.municipality.zone
    today = timezone.now().astimezone(zone).date()
    if effective_on > today:
        raise DomainError(
            "handover_date_in_future",
            _("The date is in the future: confirm it on or after that day."),
            fields={"effective_on": ["after today"]},
        )
    _check_not_before_the_record(restaurant, handover.kind, effective_on, "effective_on")
    if handover.kind == HandoverKind.SALE:
        current = OwnershipPeriod.objects.filter(restaurant=restaurant, ends_at__isnull=True).first()
        starts = local_midnight(effective_on, zone)
        if current is not None and current.starts_at is not None and starts <= current.starts_at:
            raise DomainError(
                "handover_before_owner_start",
                _("The date must come after the current owner took the restaurant over."),
                fields={"effective_on": ["not after the current owner's first day"]},
            )


def confirm_handover(
    *,
    handover: Handover,
    by: User,
    effective_on: date,
    new_owner_name: str = "",
    new_owner_email: str = "",
    new_owner_phone: str = "",
) -> Handover:
    """Confirm with the date: the final invoice bills the owner up to their last day,
    then the restaurant closes (closing: `effective_on` is the last day open) or passes
    to the new owner (sale: `effective_on` is their first day). The new owner is the
    account with that email or phone, or a new one invited through people's
    invitations. All in one transaction, under the restaurant's lock."""
    with transaction.atomic():
        locked = Handover.objects.select_for_update().filter(id=handover.id).first()
        if locked is None:
            raise _not_found()
        if locked.status != HandoverStatus.REPORTED:
            raise _decided(locked)
        restaurant = Restaurant.objects.select_for_update().select_related("municipality").get(id=locked.restaurant_id)
        _check_date(locked, effective_on, restaurant)
        if locked.kind == HandoverKind.CLOSING:
            if restaurant.status == RestaurantStatus.CLOSED:
                raise DomainError("restaurant_closed", _("The restaurant is already closed."), status_code=409)
            restaurant.close(on=effective_on)
            invoice_id = issue_final_invoice(restaurant=restaurant, last_day=effective_on)
            new_owner = None
        else:
            email = (new_owner_email or locked.new_owner_email).strip()
            phone = (new_owner_phone or locked.new_owner_phone).strip()
            name = (new_owner_name or locked.new_owner_name).strip()
            new_owner = accounts.find_or_make_account(
                role=Role.OWNER, email=email, phone=phone, name=name, invited_through_id=restaurant.municipality_id
            )
            if new_owner.pk == restaurant.owner_id:
                raise DomainError(
                    "same_owner",
                    _("The new owner is the current owner."),
                    fields={"new_owner_email": ["same as the current owner"]},
                )
            accounts.check_owner_binding(by=by, owner=new_owner, municipality_id=restaurant.municipality_id)
            invoice_id = issue_final_invoice(restaurant=restaurant, last_day=effective_on - timedelta(days=1))
            restaurant.hand_over(to=new_owner, at=local_midnight(effective_on, restaurant.municipality.zone))
            # The new owner's link to set a password (nothing new for an account in use).
            people.invite_owner(by=by, restaurant=restaurant, email=email, phone=phone, name=name)
        locked.status = HandoverStatus.CONFIRMED
        locked.decided_by, locked.decided_at = by, timezone.now()
        locked.effective_on, locked.new_owner = effective_on, new_owner
        locked.final_invoice = Invoice.objects.filter(id=invoice_id).first() if invoice_id else None
        locked.save(update_fields=["status", "decided_by", "decided_at", "effective_on", "new_owner", "final_invoice"])
    return locked


def reject_handover(*, handover: Handover, by: User, reason: str) -> Handover:
    checked_text(reason, "reason", NOTE_MAX)
    if not reason.strip():
        raise DomainError("reason_required", _("Give a reason."), fields={"reason": ["required"]})
    claimed = Handover.objects.filter(id=handover.id, status=HandoverStatus.REPORTED).update(
        status=HandoverStatus.REJECTED, decided_by=by, decided_at=timezone.now(), decision_reason=reason.strip()
    )
    if not claimed:
        raise _decided(handover)
    handover.refresh_from_db()
    return handover


def cancel_handover(*, handover: Handover, by: User) -> Handover:
    """The owner who reported withdraws the report while it waits; once decided it stays."""
    if handover.reported_by_id != by.pk:
        raise _not_found()
    claimed = Handover.objects.filter(id=handover.id, status=HandoverStatus.REPORTED).update(
        status=HandoverStatus.CANCELLED, decided_by=by, decided_at=timezone.now()
    )
    if not claimed:
        raise _decided(handover)
    handover.refresh_from_db()
    return handover
