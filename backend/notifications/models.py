import uuid

from django.db import models
from django.utils import timezone


class NoticeKind(models.TextChoices):
    MISSED_PICKUP = "missed_pickup", "미수거 안내"
    INVOICE_ISSUED = "invoice_issued", "청구서 발행 안내"
    INVOICE_OVERDUE = "invoice_overdue", "납부 기한 경과 안내"
    PAYMENT_RECEIVED = "payment_received", "납부 영수증"
    # Prepaid wallets (billing/prepaid.py, payments/wallet.py); about = the ledger entry or request.
    PICKUP_CHARGED = "pickup_charged", "수거 요금 차감 영수증"
    WALLET_LOW = "wallet_low", "선불 잔액 부족 안내"
    REFUND_DECIDED = "refund_decided", "환불 요청 결과 안내"
    # One per step of an owner's pickup request (backend/pickup_requests); about = the step.
    PICKUP_REQUEST_RECEIVED = "pickup_request_received", "수거 요청 접수 안내"
    PICKUP_REQUEST_ASSIGNED = "pickup_request_assigned", "수거 요청 배정 안내"
    PICKUP_REQUEST_DONE = "pickup_request_done", "수거 요청 처리 완료 안내"
    PICKUP_REQUEST_REJECTED = "pickup_request_rejected", "수거 요청 반려 안내"
    PICKUP_REQUEST_CANCELLED = "pickup_request_cancelled", "수거 요청 취소 안내"
    # A one-time link to set a password (backend/people); about = the link's id.
    INVITATION = "invitation", "가입 초대"
    PASSWORD_RESET = "password_reset", "비밀번호 재설정 안내"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", "발송 대기"
    SENDING = "sending", "발송 중"
    SENT = "sent", "발송 완료"
    FAILED = "failed", "발송 실패"
    SKIPPED = "skipped", "연락처 없음"


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

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "about"], name="one_notice_per_event")]

    def __str__(self) -> str:
        return f"{self.kind} {self.about}"

    def claim(self) -> bool:
        """Take the notice for sending. False if another worker has it or it is done."""
        claimed = Notice.objects.filter(id=self.id, status=NoticeStatus.PENDING).update(
            status=NoticeStatus.SENDING, attempts=models.F("attempts") + 1
        )
        return claimed == 1

    def mark_sent(self) -> None:
        self.status, self.sent_at = NoticeStatus.SENT, timezone.now()
        self.save(update_fields=["status", "sent_at"])

    def release_after_failure(self, error: str, *, final: bool) -> None:
        self.status = NoticeStatus.FAILED if final else NoticeStatus.PENDING
        self.last_error = error[:2000]
        self.save(update_fields=["status", "last_error"])
