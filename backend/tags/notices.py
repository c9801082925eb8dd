"""The owner's notice when someone else reports their bin's tag lost or damaged (an
outside app through Open311): written through the notify service in the report's
transaction and sent after commit, once per report."""

from django.conf import settings
from django.urls import reverse

from backend.notifications.models import Notice, NoticeKind
from backend.notifications.services import notify
from backend.tags.models import TagReport, TagReportKind


def notify_owner_of_tag_report(*, report: TagReport) -> Notice | None:
    restaurant = report.bin.restaurant
    if restaurant.owner_id is None or restaurant.owner_id == report.reported_by_id:
        return None  # the owner's own report: they know
    return notify(
        kind=NoticeKind.TAG_REPORTED,
        about=str(report.id),
        recipient_id=restaurant.owner_id,
        template="tags/notices/tag_report",
        context={"report": report, "restaurant": restaurant, "bin": report.bin},
        link=settings.PUBLIC_BASE_URL + reverse("owner-bins"),
        variables={"업소명": restaurant.name, "용기": report.bin.label, "신고내용": ALIMTALK_KIND[report.kind]},
    )


# What the report says in its KakaoTalk message (notifications/alimtalk.py): a record in Korean.
ALIMTALK_KIND: dict[str, str] = {TagReportKind.LOST: "분실", TagReportKind.DAMAGED: "훼손"}
