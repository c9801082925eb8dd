"""The notice centre's pages: every notice of the signed-in person, newest first, and
one notice, whose opening (here or through its email's link) marks it read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from backend.notifications.models import Notice

PAGE_SIZE = 20


@login_required
def notice_list(request):
    notices = Notice.objects.visible_to(request.user).order_by("-created_at", "-id")
    page = Paginator(notices, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/notice_list.html", {"page": page})


@login_required
def notice_detail(request, notice_id):
    notice = get_object_or_404(Notice.objects.visible_to(request.user), id=notice_id)
    notice.mark_read()
    return render(request, "notifications/notice_detail.html", {"notice": notice})
