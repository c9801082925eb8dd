"""Disputes (이의신청): an owner objects to a collection, saying what weight they
believe right; an official decides.

Accepting voids the collection, or corrects its weight (void + a replacement weighing,
CollectionEvent.correct_weight), through CollectionEvent.change_status, which records
who, when and why. If the collection was already billed, the next billing run sees a
billed scan that is now void and puts a credit line on that restaurant's next
invoice, and bills a replacement as a prior-period line (billing/runs.py); the same
happens when an official voids a billed scan directly, so a correction never depends
on which door it came through. The dispute records what the owner gets back
(`credit_krw`) for people to read; the money moves once, on the invoice.

An owner may dispute within the municipality's window (disputes/deadlines.py); every
decision is told to the owner (one notice per dispute, after commit).
"""

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.billing import windows
from backend.billing.models import Tariff
from backend.billing.pricing import credit_for
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.collection_events.weights import MAX_WEIGHT_G, grams_to_kg, kg_to_grams
from backend.core.bounds import REASON_MAX_LENGTH, checked_text
from backend.core.decisions import parse_decision
from backend.core.errors import DomainError
from backend.disputes.deadlines import CountedFrom, DisputeWindow, dispute_window
from backend.disputes.models import Dispute, DisputeOutcome, DisputeStatus
from backend.notifications import alimtalk
from backend.notifications.models import NoticeKind
from backend.notifications.services import notify


def parse_weight_kg(value: object, *, field: str = "weight_kg", required: bool = False) -> int | None:
    """An owner's or official's kilograms ('12.3', 12.3) as integer grams, read as
    strictly as a crew's scan (collection_events/weights.py). Empty: None, unless required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise DomainError("validation_error", _("Enter a weight in kg."), fields={field: ["required"]})
        return None
    try:
        grams = kg_to_grams(value.strip() if isinstance(value, str) else value)
    except ValueError as error:
        raise DomainError(
            "validation_error",
            _("Enter the weight in kilograms with at most three decimals (e.g. 12.5)."),
            fields={field: [str(error)]},
        ) from None
    if not 0 <= grams <= MAX_WEIGHT_G:
        raise DomainError(
            "weight_out_of_range",
            _("The weight must be between 0 kg and 10 t."),
            fields={field: ["out of range"]},
        )
    return grams


def window_closed_error(window: DisputeWindow, event: CollectionEvent) -> DomainError:
    """Why the owner can no longer dispute online, and whom to call instead."""
    municipality = event.restaurant.municipality
    if window.counted_from == CountedFrom.INVOICE:
        message = _(
            "Disputes are accepted within %(days)s working days after the invoice is issued "
            "(until %(last_day)s); please call %(contact)s."
        )
    else:
        message = _(
            "Disputes are accepted within %(days)s working days after the pickup "
            "(until %(last_day)s); please call %(contact)s."
        )
    return DomainError(
        "dispute_window_closed",
        message
        % {
            "days": municipality.dispute_window_working_days,
            "last_day": f"{window.last_day:%Y-%m-%d}",
            "contact": municipality.contact,
        },
        fields={
            "deadline": window.last_day.isoformat(),
            "counted_from": window.counted_from,
            "contact_phone": municipality.contact_phone,
        },
        status_code=409,
    )


def _reason_required(field: str = "reason") -> DomainError:
    return DomainError("reason_required", _("A reason is required."), fields={field: ["required"]})


def not_current_owner() -> DomainError:
    return DomainError(
        "not_current_owner",
        _("You no longer own this restaurant: its past records are read-only."),
        status_code=403,
    )


# What an owner may dispute: a pickup that is billed, or held for an official's look.
DISPUTABLE_STATUSES = (CollectionStatus.BILLABLE, CollectionStatus.HELD)


def raise_dispute(
    *,
    event: CollectionEvent,
    by: User,
    reason: str,
    proposed_weight_g: int | None = None,
    now: datetime | None = None,
) -> Dispute:
    """Receive an owner's dispute, within the window; `proposed_weight_g` is the weight
    they believe right (0: nothing was put out), if they say."""
    checked_text(reason, "reason", REASON_MAX_LENGTH)
    if not reason.strip():
        raise _reason_required()
    if proposed_weight_g is not None and not 0 <= proposed_weight_g <= MAX_WEIGHT_G:
        raise DomainError(
            "weight_out_of_range",
            _("The weight must be between 0 kg and 10 t."),
            fields={"proposed_weight_kg": ["out of range"]},
        )
    if proposed_weight_g is not None and proposed_weight_g == event.weight_g:
        raise DomainError(
            "weight_unchanged",
            _("That is the recorded weight; enter the weight you believe right."),
            fields={"proposed_weight_kg": ["equals the recorded weight"]},
        )
    if by.is_owner and event.restaurant.owner_id != by.pk:
        raise not_current_owner()
    if event.status not in DISPUTABLE_STATUSES:
        raise _not_disputable()
    window = dispute_window(event)
    if not window.is_open(now or timezone.now()):
        raise window_closed_error(window, event)
    try:
        with transaction.atomic():
            return Dispute.objects.create(
                event=event,
                restaurant_id=event.restaurant_id,
                raised_by=by,
                reason=reason.strip(),
                proposed_weight_g=proposed_weight_g,
            )
    except IntegrityError:
        raise _dispute_open() from None


def _not_disputable() -> DomainError:
    return DomainError("not_disputable", _("Only billable or held collections can be disputed."), status_code=409)


def _dispute_open() -> DomainError:
    return DomainError("dispute_open", _("A dispute for this collection is already open."), status_code=409)


def why_not_disputable(*, event: CollectionEvent, by: User) -> DomainError | None:
    """Why `by` cannot dispute the collection whatever they would write (a former
    owner's, voided or not collected, a dispute already open), or None. The window is
    the page's to show with whom to call (window_closed_error)."""
    if by.is_owner and event.restaurant.owner_id != by.pk:
        return not_current_owner()
    if event.status not in DISPUTABLE_STATUSES:
        return _not_disputable()
    if Dispute.objects.filter(event=event, status=DisputeStatus.OPEN).exists():
        return _dispute_open()
    return None


def _already_decided() -> DomainError:
    return DomainError("already_decided", _("This dispute was already decided."), status_code=409)


def _claim(dispute: Dispute, *, to: str, by: User, reason: str, **outcome: object) -> Dispute:
    """Decide once: a conditional UPDATE from open, so two officials cannot both decide."""
    checked_text(reason, "reason", REASON_MAX_LENGTH)
    if not reason.strip():
        raise _reason_required()
    now = timezone.now()
    decided = Dispute.objects.filter(id=dispute.id, status=DisputeStatus.OPEN).update(
        status=to, decided_by=by, decided_at=now, decision_reason=reason.strip(), **outcome
    )
    if not decided:
        raise _already_decided()
    dispute.refresh_from_db()
    return dispute


def accept_dispute(*, dispute: Dispute, by: User, reason: str, weight_g: int | None = None) -> Dispute:
    """Accept: void the collection, or, given `weight_g`, correct it to that weight.
    On an invoiced collection, record what the owner gets back. Tells the owner."""
    checked_text(reason, "reason", REASON_MAX_LENGTH)
    if not reason.strip():
        raise _reason_required()
    with transaction.atomic():
        # Lock the dispute before touching its collection: of two officials deciding
        # at once, the second waits here and is told it was already decided.
        if not Dispute.objects.select_for_update().filter(id=dispute.id, status=DisputeStatus.OPEN).exists():
            raise _already_decided()
        event = dispute.event
        why = f"이의신청 인정 (dispute accepted): {reason.strip()}"
        number = windows.billed_on(event.id)
        decided: dict[str, object] = {"outcome": DisputeOutcome.VOIDED}
        if weight_g is not None:
            replacement = event.correct_weight(weight_g=weight_g, by=by, reason=why)
            decided = {"outcome": DisputeOutcome.CORRECTED, "replacement": replacement}
        elif event.status != CollectionStatus.VOID:
            event.change_status(to=CollectionStatus.VOID, by=by, reason=why)
        if number is not None:
            decided.update(credit_krw=_credit_krw(event, weight_g), credited_invoice_number=number)
        dispute = _claim(dispute, to=DisputeStatus.ACCEPTED, by=by, reason=reason, **decided)
        _notify_owner(dispute)
    return dispute


def _credit_krw(event: CollectionEvent, corrected_g: int | None) -> int:
    """What a billed collection gives back: its price at the tariff of its day, less
    the replacement's (pricing.credit_for, as the credit line will compute it)."""
    zone = event.restaurant.municipality.zone
    tariff = (
        Tariff.objects.filter(municipality_id=event.restaurant.municipality_id)
        .in_force_on(event.collected_at.astimezone(zone).date())
        .first()
    )
    if tariff is None or event.weight_g is None:
        return 0
    given_back = credit_for(event.weight_g, tariff.price_per_kg_krw)
    return given_back - (credit_for(corrected_g, tariff.price_per_kg_krw) if corrected_g else 0)


def reject_dispute(*, dispute: Dispute, by: User, reason: str) -> Dispute:
    with transaction.atomic():
        dispute = _claim(dispute, to=DisputeStatus.REJECTED, by=by, reason=reason)
        _notify_owner(dispute)
        return dispute


def _notify_owner(dispute: Dispute) -> None:
    """One notice per dispute, to whoever raised it, sent after the decision commits."""
    notify(
        kind=NoticeKind.DISPUTE_DECIDED,
        about=str(dispute.id),
        recipient_id=dispute.raised_by_id,
        template="disputes/notices/decided",
        context={
            "dispute": dispute,
            "event": dispute.event,
            "restaurant": dispute.restaurant,
            "corrected_kg": grams_to_kg(dispute.replacement.weight_g)
            if dispute.replacement is not None and dispute.replacement.weight_g
            else None,
            "credit_abs": abs(dispute.credit_krw or 0),
            "url": settings.PUBLIC_BASE_URL + reverse("disputes:mine"),
        },
        variables={
            "업소명": dispute.restaurant.name,
            "수거일시": alimtalk.when(dispute.event.collected_at),
            "무게": grams_to_kg(dispute.event.weight_g) if dispute.event.weight_g else "-",
            "결과": "인정" if dispute.status == DisputeStatus.ACCEPTED else "기각",
            "안내": f"사유: {dispute.decision_reason or '-'}",
        },
    )


class DisputeDecision(models.TextChoices):
    ACCEPT = "accept", _("Accept")
    REJECT = "reject", _("Reject")


class AcceptOutcome(models.TextChoices):
    """What accepting does: void the collection, or correct its weight."""

    VOID = "void", _("Void the collection")
    CORRECT = "correct", _("Correct the weight")


def decide_dispute(
    *, dispute: Dispute, by: User, decision: str, reason: str, outcome: str = "", weight_kg: object = None
) -> Dispute:
    """Accept (void, or correct to `weight_kg`) or reject, as chosen; any other
    decision or outcome is refused (`invalid_decision`)."""
    match parse_decision(decision, DisputeDecision):
        case DisputeDecision.ACCEPT:
            return accept_dispute(dispute=dispute, by=by, reason=reason, weight_g=accepted_weight(outcome, weight_kg))
        case DisputeDecision.REJECT:
            return reject_dispute(dispute=dispute, by=by, reason=reason)


def accepted_weight(outcome: str, weight_kg: object) -> int | None:
    """None to void; the corrected grams to correct (a weight is then required, above 0)."""
    match parse_decision(outcome, AcceptOutcome):
        case AcceptOutcome.VOID:
            return None
        case AcceptOutcome.CORRECT:
            grams = parse_weight_kg(weight_kg, required=True)
            if not grams:
                raise DomainError(
                    "weight_out_of_range",
                    _("To correct to 0 kg, void the collection."),
                    fields={"weight_kg": ["must be more than 0"]},
                )
            return grams


class HeldDecision(models.TextChoices):
    """What an official does with a held scan (a second weighing within the hold window)."""

    RELEASE = "release", _("Release for billing")
    VOID = "void", _("Void the scan")


HELD_OUTCOME = {HeldDecision.RELEASE: CollectionStatus.BILLABLE, HeldDecision.VOID: CollectionStatus.VOID}


def decide_held_scan(*, event: CollectionEvent, by: User, decision: str, reason: str) -> CollectionEvent:
    """Release (bill it) or void a held scan, as chosen; any other decision is refused."""
    event.change_status(to=HELD_OUTCOME[parse_decision(decision, HeldDecision)], by=by, reason=reason)
    return event


def billed_on(event_id: uuid.UUID) -> str | None:
    """The number of the invoice that billed this collection, if any."""
    return windows.billed_on(event_id)


def billed_on_many(event_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """{collection id: number of the invoice that billed it}, in one query."""
    return windows.billed_on_many(event_ids)
