"""NHN Cloud KakaoTalk Bizmessage: AlimTalk with the provider's own SMS/LMS fallback
(대체 발송), over its public HTTP API v2.3 (docs/notices.md cites the contract).

- Send: `POST /alimtalk/v2.3/appkeys/{appkey}/raw-messages` (전문 발송: the full text,
  which must match the registered template), header `X-Secret-Key`; each recipient
  carries our key as `recipientGroupingKey`, its web-link button, and a
  `resendParameter` (isResend, resendType SMS/LMS, resendContent, resendSendNo) so
  that NHN sends the same text as a text message when AlimTalk fails.
- Ask by key: `GET …/messages?recipientGroupingKey=…&startRequestDate=…&endRequestDate=…`.
- Results: `GET …/message-results?startUpdateDate=…&endUpdateDate=…&pageNum=…&pageSize=…`.

The only module that speaks this API. Its dates are Korean local time.
"""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.conf import settings

from backend.notifications import alimtalk
from backend.notifications.models import Notice, UndeliverableReason
from backend.notifications.notifiers import DeliveryResult, ProviderUnavailable, Undeliverable
from backend.notifications.rate_limit import wait_for_slot

API = "/alimtalk/v2.3/appkeys/{appkey}"
KST = ZoneInfo("Asia/Seoul")
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
PAGE_SIZE = 1000
DUPLICATE_REQUEST = -1005  # the same X-NC-API-IDEMPOTENCY-KEY within ten minutes

# Kakao's result codes as NHN reports them per message (docs/notices.md).
DELIVERED = "1000"
INVALID_NUMBER = "3008"
TEMPLATE_MISMATCH = "3016"
# 대체 발송 상태: not a fallback case, waiting, sending, sent, failed.
FALLBACK_NONE, FALLBACK_WAITING, FALLBACK_SENDING, FALLBACK_SENT, FALLBACK_FAILED = (
    "RSC01",
    "RSC02",
    "RSC03",
    "RSC04",
    "RSC05",
)


class DuplicateRequest(Exception):
    """NHN already took a request with this idempotency key."""


@dataclass(frozen=True)
class Outgoing:
    recipient_no: str
    template_code: str
    content: str
    link: str
    fallback: alimtalk.Fallback | None

    def as_recipient(self, key: str, *, send_no: str) -> dict[str, object]:
        recipient: dict[str, object] = {
            "recipientNo": self.recipient_no,
            "content": self.content,
            "buttons": [
                {"ordering": 1, "type": "WL", "name": alimtalk.BUTTON_NAME, "linkMo": self.link, "linkPc": self.link}
            ],
            "recipientGroupingKey": key,
        }
        if self.fallback is not None and send_no:
            recipient["resendParameter"] = {
                "isResend": True,
                "resendType": self.fallback.type,
                "resendContent": self.fallback.text,
                "resendSendNo": send_no,
                **({"resendTitle": alimtalk.FALLBACK_TITLE} if self.fallback.type == "LMS" else {}),
            }
        return recipient


_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (a worker process sends one notice at a time):
    a new TCP and TLS handshake per message would cost more than the message."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


def _kst(moment: datetime) -> str:
    return moment.astimezone(KST).strftime(DATE_FORMAT)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value[:19], DATE_FORMAT).replace(tzinfo=KST)
    except ValueError:
        return None


class NhnAlimTalkNotifier:
    provider = "nhn_bizmessage"

    def __init__(self):
        self.base = settings.NHN_BIZMESSAGE_BASE_URL + API.format(appkey=settings.NHN_BIZMESSAGE_APP_KEY)
        self.headers = {
            "X-Secret-Key": settings.NHN_BIZMESSAGE_SECRET_KEY or "",
            "Content-Type": "application/json;charset=UTF-8",
        }
        self.timeout = settings.NHN_BIZMESSAGE_TIMEOUT_SECONDS

    @property
    def falls_back_to_text(self) -> bool:
        """With a registered sender number the provider sends the notice as a text (SMS/LMS)
        when AlimTalk does not reach the person; without one, there is no fallback."""
        return bool(settings.NHN_BIZMESSAGE_FALLBACK_SEND_NO)

    # --- What a notice becomes -----------------------------------------------------------

    def handles(self, notice: Notice) -> bool:
        """Kinds without a template (one-time password links) do not go by AlimTalk."""
        return alimtalk.template_for(notice.kind) is not None

    def prepare(self, notice: Notice) -> Outgoing:
        template = alimtalk.template_for(notice.kind)
        if template is None:
            raise Undeliverable(f"no AlimTalk template for {notice.kind}", reason=UndeliverableReason.NO_TEMPLATE)
        number = alimtalk.mobile_number(notice.recipient.phone)
        if number is None:
            raise Undeliverable(
                f"{notice.recipient.username} has no valid mobile number", reason=UndeliverableReason.NO_PHONE
            )
        content = template.fill(notice.variables)
        link = alimtalk.button_link(settings.PUBLIC_BASE_URL, str(notice.id))
        return Outgoing(
            recipient_no=number,
            template_code=template.code,
            content=content,
            link=link,
            fallback=alimtalk.fallback_for(content, link),
        )

    # --- HTTP --------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs) -> dict:
        try:
            response = _session().request(
                method, self.base + path, headers={**self.headers, **(headers or {})}, timeout=self.timeout, **kwargs
            )
        except requests.Timeout as error:
            raise ProviderUnavailable(f"NHN Cloud timed out: {error}") from error
        except requests.ConnectionError as error:
            raise ProviderUnavailable(f"NHN Cloud unreachable: {error}") from error
        if response.status_code == 429 or response.status_code >= 500:
            raise ProviderUnavailable(f"NHN Cloud answered {response.status_code}")
        try:
            answer = response.json()
        except ValueError as error:
            raise ProviderUnavailable(f"NHN Cloud answered {response.status_code} without JSON") from error
        header = answer.get("header") or {}
        if header.get("resultCode") == DUPLICATE_REQUEST:
            raise DuplicateRequest(str(header.get("resultMessage")))
        if not header.get("isSuccessful"):
            # Our configuration or request, not the person: an error to see and fix.
            raise RuntimeError(f"NHN Cloud refused: {header.get('resultCode')} {header.get('resultMessage')}")
        return answer

    def submit(self, outgoing: Outgoing, *, key: str) -> str:
        wait_for_slot(self.provider, per_second=settings.NHN_BIZMESSAGE_RATE_PER_SECOND)
        try:
            answer = self._send(outgoing, key=key)
        except DuplicateRequest:
            # The provider took this key within ten minutes: the message went. Its id.
            now = datetime.now(KST)
            found = self.find(key=key, since=now - timedelta(days=1), until=now + timedelta(minutes=5))
            if found is None:
                raise ProviderUnavailable("NHN Cloud has the key but not yet the message") from None
            return found
        message = answer.get("message") or {}
        [result] = message.get("sendResults") or [{}]
        if result.get("resultCode", 0) != 0:
            raise Undeliverable(
                f"NHN Cloud refused the message: {result.get('resultCode')} {result.get('resultMessage')}",
                reason=UndeliverableReason.REJECTED,
                code=str(result.get("resultCode")),
            )
        return f"{message.get('requestId')}:{result.get('recipientSeq', 1)}"

    def _send(self, outgoing: Outgoing, *, key: str) -> dict:
        return self._call(
            "POST",
            "/raw-messages",
            # NHN refuses a second request with the same key within ten minutes (-1005).
            headers={"X-NC-API-IDEMPOTENCY-KEY": key},
            json={
                "senderKey": settings.NHN_BIZMESSAGE_SENDER_KEY,
                "templateCode": outgoing.template_code,
                "recipientList": [outgoing.as_recipient(key, send_no=settings.NHN_BIZMESSAGE_FALLBACK_SEND_NO or "")],
            },
        )

    def find(self, *, key: str, since: datetime, until: datetime) -> str | None:
        answer = self._call(
            "GET",
            "/messages",
            params={"recipientGroupingKey": key, "startRequestDate": _kst(since), "endRequestDate": _kst(until)},
        )
        messages = (answer.get("messageSearchResultResponse") or {}).get("messages") or []
        if not messages:
            return None
        return f"{messages[0]['requestId']}:{messages[0].get('recipientSeq', 1)}"

    def results(self, *, since: datetime, until: datetime) -> Iterator[DeliveryResult]:
        page = 1
        while True:
            answer = self._call(
                "GET",
                "/message-results",
                params={
                    "startUpdateDate": _kst(since),
                    "endUpdateDate": _kst(until),
                    "pageNum": page,
                    "pageSize": PAGE_SIZE,
                },
            )
            found = answer.get("messageSearchResultResponse") or {}
            messages = found.get("messages") or []
            for message in messages:
                if message.get("recipientGroupingKey"):
                    yield self._result(message)
            if page * PAGE_SIZE >= int(found.get("totalCount") or 0) or not messages:
                return
            page += 1

    @staticmethod
    def _result(message: dict) -> DeliveryResult:
        code = str(message.get("resultCode") or "")
        fallback = message.get("resendStatus") or FALLBACK_NONE
        common = {
            "key": message["recipientGroupingKey"],
            "message_id": f"{message.get('requestId')}:{message.get('recipientSeq', 1)}",
            "result_code": code,
            "result_message": str(message.get("resultCodeName") or ""),
        }
        status = message.get("messageStatus")
        if status == "COMPLETED" and code == DELIVERED:
            return DeliveryResult(**common, outcome="delivered", delivered_at=_parse(message.get("receiveDate")))
        if status != "FAILED":
            return DeliveryResult(**common, outcome="pending")
        if fallback == FALLBACK_SENT:
            return DeliveryResult(
                **common,
                outcome="delivered",
                fell_back=True,
                fallback_type=str(message.get("resendType") or ""),
                delivered_at=_parse(message.get("resendResultDate") or message.get("receiveDate")),
            )
        if fallback in (FALLBACK_WAITING, FALLBACK_SENDING):
            return DeliveryResult(**common, outcome="pending", fell_back=True)
        if code == INVALID_NUMBER:
            reason = UndeliverableReason.INVALID_NUMBER
        elif fallback == FALLBACK_FAILED:
            reason = UndeliverableReason.FALLBACK_FAILED
        elif code == TEMPLATE_MISMATCH:
            reason = UndeliverableReason.TEMPLATE_REJECTED
        else:
            reason = UndeliverableReason.REJECTED
        return DeliveryResult(**common, outcome="failed", fell_back=fallback == FALLBACK_FAILED, reason=reason)
