"""What every page's header shows about notices: the signed-in person's unread count."""

from django.utils.functional import SimpleLazyObject

from backend.notifications.models import Notice


def unread_notices(request) -> dict[str, object]:
    """Counted only when a page shows it (one indexed COUNT), never for anonymous visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notice_count": SimpleLazyObject(lambda: Notice.objects.visible_to(user).unread().count())}
