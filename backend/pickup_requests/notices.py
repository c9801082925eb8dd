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
    )
