"""The owner's notice at each step of a pickup request.

One notice per step (kind per step, about = the step's id), written through the notify
service in the same transaction as the step and sent after commit: a step is recorded
once, so it is told once."""

from django.conf import settings
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from backend.notifications.models import Notice
from backend.notifications.services import notify
from backend.pickup_requests.models import PickupRequestStep, RequestKind, RequestStatus

# The notice's own words for the request and its step, in the subject's "[Food-waste
# pickup] <restaurant>: <what> <step>" (Korean: "추가 수거 요청 접수"); translated when the
# notice is written, in its recipient's language.
WHAT: dict[str, Promise] = {
    RequestKind.EXTRA_PICKUP: pgettext_lazy("pickup request notice", "extra pickup request"),
    RequestKind.MISSED_PICKUP: pgettext_lazy("pickup request notice", "missed-pickup report"),
}
STEP_WORD: dict[str, Promise] = {
    RequestStatus.RECEIVED: pgettext_lazy("pickup request notice", "received"),
    RequestStatus.ASSIGNED: pgettext_lazy("pickup request notice", "assigned"),
    RequestStatus.DONE: pgettext_lazy("pickup request notice", "done"),
    RequestStatus.REJECTED: pgettext_lazy("pickup request notice", "rejected"),
    RequestStatus.CANCELLED: pgettext_lazy("pickup request notice", "cancelled"),
}


def notify_owner_of_step(*, step: PickupRequestStep) -> Notice | None:
    request = step.request
    owner_id = request.restaurant.owner_id
    if owner_id is None:
        return None
    return notify(
        kind=f"pickup_request_{step.status}",
        about=str(step.id),
        recipient_id=owner_id,
        template="pickup_requests/notices/step",
        context={
            "step": step,
            "request": request,
            "restaurant": request.restaurant,
            "what": WHAT[request.kind],
            "step_word": STEP_WORD[step.status],
        },
        link=settings.PUBLIC_BASE_URL + reverse("pickup_requests:mine"),
        variables=_variables(step),
    )


# What each request is called in its KakaoTalk message: "11월 5일 주방 1 추가 수거 요청".
ALIMTALK_WHAT: dict[str, str] = {RequestKind.EXTRA_PICKUP: "추가 수거 요청", RequestKind.MISSED_PICKUP: "미수거 신고"}


def _variables(step: PickupRequestStep) -> dict[str, object]:
    """What the step's KakaoTalk message fills in (notifications/alimtalk.py)."""
    request = step.request
    day = f"{request.requested_for.month}월 {request.requested_for.day}일"
    bins = request.bin.label if request.bin else "모든 용기"
    variables: dict[str, object] = {
        "업소명": request.restaurant.name,
        "요청내용": f"{day} {bins} {ALIMTALK_WHAT[request.kind]}",
    }
    if step.status == RequestStatus.ASSIGNED:
        variables["업체"] = step.hauler.name if step.hauler else "수거 업체"
    if step.status == RequestStatus.REJECTED:
        variables["사유"] = step.reason
    return variables
