"""Owners' "my tag is lost or damaged" reports: the open ones, each linking to its bin's
restaurant (where the official replaces the tag, which closes the report), or closed by hand."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.console.views.common import require
from backend.tags import services
from backend.tags.access import can_handle_tag_reports
from backend.tags.models import TagReport

SHOWN = 200


@login_required
def tag_reports(request):
    require(can_handle_tag_reports(request.user))
    reports = (
        TagReport.objects.visible_to(request.user)
        .open()
        .select_related("bin__restaurant", "tag", "reported_by")
        .order_by("created_at")[:SHOWN]
    )
    return render(request, "console/tag_reports.html", {"reports": reports})


@login_required
@require_POST
def tag_report_close(request, report_id):
    require(can_handle_tag_reports(request.user))
    report = get_object_or_404(TagReport.objects.visible_to(request.user), id=report_id)
    if services.close_tag_report(report=report, by=request.user):
        messages.success(request, _("Marked as handled."))
    return redirect("console:tag-reports")
