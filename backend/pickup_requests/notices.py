"""The owner's notice at each step of a pickup request.

One Notice per step (kind per step, about = the step's id), written in the same
transaction as the step and sent by the notifications task after commit: a step is
recorded once, so it is told once."""

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from backend.notifications.models import Notice
from backend.pickup_requests.models import PickupRequestStep


def notify_owner_of_step(*, step: PickupRequestStep) -> Notice | None:
    request = step.request
    owner_id = request.restaurant.owner_id
    if owner_id is None:
        return None
    context = {
        "step": step,
        "request": request,
        "restaurant": request.restaurant,
        "url": settings.PUBLIC_BASE_URL + reverse("pickup_requests:mine"),
    }
    notice = Notice.objects.create(
        kind=f"pickup_request_{step.status}",
        about=str(step.id),
        recipient_id=owner_id,
        subject=render_to_string("pickup_requests/notices/step_subject.txt", context).strip(),
        body=render_to_string("pickup_requests/notices/step_body.txt", context),
    )
    from backend.notifications.tasks import send_notice

    transaction.on_commit(lambda: send_notice.delay(str(notice.id)))
    return notice
