"""KakaoTalk AlimTalk templates: one per kind of notice an owner receives, registered
with the KakaoTalk channel under its code, in Korean (a template is approved in one
language), and the text and SMS/LMS fallback a notice becomes. Pure: no database, no
HTTP.

A template's text holds its variables as `#{이름}`; a notice gives their values
(`Notice.variables`, filled where the notice is written: each app knows its own facts).
The message is the template with the variables filled, and nothing else: the provider
(and Kakao behind it) refuses a text that does not match its registered template. Each
template has one web-link button, 「알림 보기」, that opens the notice on its own page
in the owner's notice centre, which marks it read.

When AlimTalk cannot reach the person (not a KakaoTalk user, the channel blocked, the
template refused), the provider sends the same text as a text message: SMS up to 90
bytes in EUC-KR, LMS beyond; a text message has no button, so the link goes at its end.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from backend.notifications.models import NoticeKind

BODY_MAX_CHARS = 1000  # Kakao's limit on an AlimTalk message
BUTTON_NAME_MAX_CHARS = 14
CODE_MAX_CHARS = 20  # NHN Cloud: a template code is at most 20 characters
SMS_MAX_BYTES = 90  # EUC-KR; longer goes as LMS
LMS_MAX_BYTES = 2000
FALLBACK_TITLE = "음식물 수수료 알림"  # LMS subject (≤ 20 characters)
BUTTON_NAME = "알림 보기"
# The button's link as registered with the template: the notice's own page, the id
# being the variable part (the site's address is fixed at registration).
BUTTON_PATH = "/notices/#{알림번호}/"
VARIABLE = re.compile(r"#\{([^{}]+)\}")
CLOSING = "\n\n아래 「알림 보기」에서 자세히 볼 수 있습니다."


@dataclass(frozen=True)
class Template:
    kind: str
    code: str
    text: str

    @property
    def variables(self) -> tuple[str, ...]:
        seen: list[str] = []
        for name in VARIABLE.findall(self.text):
            if name not in seen:
                seen.append(name)
        return tuple(seen)

    def fill(self, variables: dict[str, str]) -> str:
        """The message: the template with each `#{name}` replaced by its value."""
        missing = set(self.variables) - set(variables)
        if missing:
            raise ValueError(f"{self.code}: no value for {', '.join(sorted(missing))}")
        return VARIABLE.sub(lambda match: variables[match.group(1)], self.text)


def _t(kind: str, code: str, text: str) -> Template:
    return Template(kind=kind, code=code, text=text + CLOSING)


TEMPLATES: dict[str, Template] = {
    template.kind: template
    for template in (
        _t(
            NoticeKind.PICKUP_DONE,
            "FW_PICKUP_DONE",
            "[음식물 수거 완료]\n#{업소명}의 수거 용기 #{용기}를 #{수거일시}에 수거했습니다.\n무게: #{무게} kg\n"
            "요금과 영수증을 볼 수 있고, 무게가 틀리면 이의를 신청할 수 있습니다.",
        ),
        _t(
            NoticeKind.MISSED_PICKUP,
            "FW_MISSED_PICKUP",
            "[음식물 미수거 안내]\n#{업소명}의 수거 용기 #{용기}를 #{방문일시}에 수거하지 못했습니다.\n사유: #{사유}\n"
            "이번 방문은 요금이 청구되지 않습니다. 다음 수거일에 용기를 내놓아 주세요.",
        ),
        _t(
            NoticeKind.INVOICE_ISSUED,
            "FW_INVOICE_ISSUED",
            "[음식물 수수료 청구]\n#{업소명}의 #{청구월} 음식물 수수료 청구서가 발행되었습니다.\n"
            "청구서 번호: #{청구서번호}\n납부할 금액: #{납부금액}원\n납부 기한: #{납부기한}",
        ),
        _t(
            NoticeKind.INVOICE_OVERDUE,
            "FW_INVOICE_OVERDUE",
            "[음식물 수수료 연체]\n#{업소명}의 #{청구월} 청구서(#{청구서번호})가 납부 기한(#{납부기한})을 넘겼습니다.\n"
            "남은 금액: #{남은금액}원\n이미 납부하셨다면 이 안내는 무시해 주세요.",
        ),
        _t(
            NoticeKind.ARREARS_REMINDER,
            "FW_ARREARS_REMINDER",
            "[음식물 수수료 납부 안내]\n#{업소명}의 #{청구월} 청구서(#{청구서번호})가 "
            "납부 기한을 #{연체일수}일 넘겼습니다.\n"
            "남은 금액: #{남은금액}원\n이미 납부하셨다면 이 안내는 무시해 주세요.",
        ),
        _t(
            NoticeKind.PAYMENT_RECEIVED,
            "FW_PAYMENT_RECEIVED",
            "[음식물 수수료 영수증]\n#{업소명}: #{내역} #{결제금액}원이 결제되었습니다.\n"
            "결제 일시: #{결제일시}\n거래 번호: #{거래번호}",
        ),
        _t(
            NoticeKind.PICKUP_CHARGED,
            "FW_PICKUP_CHARGED",
            "[선불 수거 요금 차감]\n#{업소명}의 수거 요금 #{차감금액}원이 선불 잔액에서 차감되었습니다.\n#{잔액안내}",
        ),
        _t(
            NoticeKind.WALLET_LOW,
            "FW_WALLET_LOW",
            "[선불 잔액 부족]\n#{업소명}의 선불 잔액이 #{기준금액}원 아래로 내려갔습니다.\n현재 잔액: #{잔액}원\n"
            "수거는 계속되며, 부족한 금액은 다음 청구서에 청구됩니다.",
        ),
        _t(
            NoticeKind.REFUND_DECIDED,
            "FW_REFUND_DECIDED",
            "[환불 요청 결과]\n#{업소명}이(가) 요청한 #{환불금액}원 환불이 #{결과}되었습니다.\n#{안내}",
        ),
        _t(
            NoticeKind.PICKUP_REQUEST_RECEIVED,
            "FW_REQUEST_RECEIVED",
            "[수거 요청 접수]\n#{업소명}의 #{요청내용}이(가) 접수되었습니다. "
            "구청에서 확인한 뒤 수거 업체에 배정합니다.",
        ),
        _t(
            NoticeKind.PICKUP_REQUEST_ASSIGNED,
            "FW_REQUEST_ASSIGNED",
            "[수거 요청 배정]\n#{업소명}의 #{요청내용}이(가) #{업체}에 배정되었습니다.",
        ),
        _t(
            NoticeKind.PICKUP_REQUEST_DONE,
            "FW_REQUEST_DONE",
            "[수거 요청 완료]\n#{업소명}의 #{요청내용}이(가) 완료되었습니다.",
        ),
        _t(
            NoticeKind.PICKUP_REQUEST_REJECTED,
            "FW_REQUEST_REJECTED",
            "[수거 요청 반려]\n#{업소명}의 #{요청내용}이(가) 반려되었습니다.\n사유: #{사유}",
        ),
        _t(
            NoticeKind.PICKUP_REQUEST_CANCELLED,
            "FW_REQUEST_CANCELLED",
            "[수거 요청 취소]\n#{업소명}의 #{요청내용}이(가) 취소되었습니다.",
        ),
        _t(
            NoticeKind.TAG_REPORTED,
            "FW_TAG_REPORTED",
            "[수거 용기 태그 신고]\n#{업소명}의 수거 용기 #{용기} 태그가 '#{신고내용}'(으)로 구청에 신고되었습니다.\n"
            "구청에서 확인한 뒤 새 태그를 발급합니다.",
        ),
        _t(
            NoticeKind.DISPUTE_DECIDED,
            "FW_DISPUTE_DECIDED",
            "[이의 신청 결과]\n#{업소명}의 #{수거일시} 수거 기록(#{무게} kg)에 대한 "
            "이의 신청이 #{결과}되었습니다.\n#{안내}",
        ),
        _t(
            NoticeKind.REMINDER,
            "FW_REMINDER",
            "[미확인 알림]\n#{보낸날}에 보내 드린 알림을 아직 확인하지 않으셨습니다.\n#{제목}",
        ),
    )
}
# Not sent by AlimTalk: the one-time links to set a password (invitation, reset) work
# without signing in, and the notice centre's page needs it; they go by email, or an
# official hands them over.


def template_for(kind: str) -> Template | None:
    return TEMPLATES.get(kind)


def check_variables(kind: str, variables: dict[str, str]) -> None:
    """A notice of a kind with a template must give exactly its variables: raised
    where the notice is written, so a missing fact is a bug found
    by that app's tests rather than a message Kakao refuses."""
    template = TEMPLATES.get(kind)
    if template is None:
        return
    if set(variables) != set(template.variables):
        raise ValueError(f"{kind}: variables {sorted(variables)} are not {sorted(template.variables)}")


def button_link(base_url: str, notice_id: str) -> str:
    return base_url + BUTTON_PATH.replace("#{알림번호}", str(notice_id))


def euc_kr_bytes(text: str) -> int:
    """The length a Korean carrier counts: EUC-KR bytes (a character it lacks counts as one '?')."""
    return len(text.encode("euc-kr", errors="replace"))


@dataclass(frozen=True)
class Fallback:
    type: str  # "SMS" or "LMS"
    text: str


def fallback_for(text: str, link: str) -> Fallback:
    """The text message sent when AlimTalk fails: the same text, the link at its end."""
    body = f"{text}\n{link}"
    if euc_kr_bytes(body) <= SMS_MAX_BYTES:
        return Fallback("SMS", body)
    return Fallback("LMS", body)


# --- Values, as the templates write them --------------------------------------------------


def won(amount: int) -> str:
    return f"{amount:,}"


def when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def day(moment) -> str:
    return moment.strftime("%Y-%m-%d")


def text(value: object) -> str:
    """A value as a variable: never empty (Kakao refuses an empty variable)."""
    shown = " ".join(str(value or "").split())
    return shown or "-"


def mobile_number(phone: str) -> str | None:
    """The number as the provider takes it (digits only), or None when it is not a
    Korean mobile number (010 and eight digits)."""
    digits = re.sub(r"[\s-]", "", phone or "")
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    return digits if re.fullmatch(r"010\d{8}", digits) else None
