"""The owner's notice at each step of a pickup request.

One notice per step (kind per step, about = the step's id), written through the notify
service in the same transaction as the step and sent after commit: a step is recorded
once, so it is told once."""

from django.conf import settings
from django.urls import reverse

from backend.notifications.models import Notice
from backend.notifications.services import notify
from backend.pickup_requests.models import PickupRequestStep


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
        },
        link=settings.PUBLIC_BASE_URL + reverse("pickup_requests:mine"),
    )
