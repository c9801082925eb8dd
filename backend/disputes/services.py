"""Disputes (이의신청): an owner objects to a collection; an official decides.

Accepting voids the collection through CollectionEvent.change_status, which records
who, when and why. If the collection was already billed, the next billing run sees a
billed scan that is now void and puts a credit line on that restaurant's next
invoice (billing/runs.py); the same happens when an official voids a billed scan
directly, so a correction never depends on which door it came through.
"""

import uuid
from collections.abc import Iterable

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.billing import windows
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.core.bounds import REASON_MAX_LENGTH, checked_text
from backend.core.decisions import parse_decision
from backend.core.errors import DomainError
from backend.disputes.models import Dispute, DisputeStatus


def _reason_required(field: str = "reason") -> DomainError:
    return DomainError("reason_required", "사유를 입력해 주세요. A reason is required.", fields={field: ["required"]})


def not_current_owner() -> DomainError:
    return DomainError(
        "not_current_owner",
        "더 이상 이 음식점의 업주가 아니어서 지난 기록은 조회만 할 수 있습니다. "
        "You no longer own this restaurant: its past records are read-only.",
        status_code=403,
    )


def raise_dispute(*, event: CollectionEvent, by: User, reason: str) -> Dispute:
    checked_text(reason, "reason", REASON_MAX_LENGTH)
    if not reason.strip():
        raise _reason_required()
    if by.is_owner and event.restaurant.owner_id != by.pk:
        raise not_current_owner()
    if event.status not in (CollectionStatus.BILLABLE, CollectionStatus.HELD):
        raise DomainError(
            "not_disputable",
            "청구 대상이거나 확인 대기 중인 수거 기록만 이의신청할 수 있습니다. "
            "Only billable or held collections can be disputed.",
            status_code=409,
        )
    try:
        with transaction.atomic():
            return Dispute.objects.create(
                event=event, restaurant_id=event.restaurant_id, raised_by=by, reason=reason.strip()
            )
    except IntegrityError:
        raise DomainError(
            "dispute_open",
            "이 수거 기록에 대한 이의신청이 이미 검토 중입니다. A dispute for this collection is already open.",
            status_code=409,
        ) from None


def _claim(dispute: Dispute, *, to: str, by: User, reason: str) -> Dispute:
    """Decide once: a conditional UPDATE from open, so two officials cannot both decide."""
    checked_text(reason, "reason", REASON_MAX_LENGTH)
    if not reason.strip():
        raise _reason_required()
    now = timezone.now()
    decided = Dispute.objects.filter(id=dispute.id, status=DisputeStatus.OPEN).update(
        status=to, decided_by=by, decided_at=now, decision_reason=reason.strip()
    )
    if not decided:
        raise DomainError(
            "already_decided", "이미 처리된 이의신청입니다. This dispute was already decided.", status_code=409
        )
    dispute.refresh_from_db()
    return dispute


def accept_dispute(*, dispute: Dispute, by: User, reason: str) -> Dispute:
    with transaction.atomic():
        dispute = _claim(dispute, to=DisputeStatus.ACCEPTED, by=by, reason=reason)
        event = dispute.event
        if event.status != CollectionStatus.VOID:
            event.change_status(to=CollectionStatus.VOID, by=by, reason=f"이의신청 인정 (dispute accepted): {reason}")
    return dispute


def reject_dispute(*, dispute: Dispute, by: User, reason: str) -> Dispute:
    with transaction.atomic():
        return _claim(dispute, to=DisputeStatus.REJECTED, by=by, reason=reason)


class DisputeDecision(models.TextChoices):
    ACCEPT = "accept", "인정 · Accept"
    REJECT = "reject", "기각 · Reject"


def decide_dispute(*, dispute: Dispute, by: User, decision: str, reason: str) -> Dispute:
    """Accept or reject, as chosen; any other decision is refused (`invalid_decision`)."""
    match parse_decision(decision, DisputeDecision):
        case DisputeDecision.ACCEPT:
            return accept_dispute(dispute=dispute, by=by, reason=reason)
        case DisputeDecision.REJECT:
            return reject_dispute(dispute=dispute, by=by, reason=reason)


class HeldDecision(models.TextChoices):
    """What an official does with a held scan (a second weighing within the hold window)."""

    RELEASE = "release", "청구 대상으로 · Release"
    VOID = "void", "무효 처리 · Void"


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
