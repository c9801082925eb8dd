"""Pages: officials upload the licence register, check the preview, confirm, and watch
the import run. Thin views over registers/services.py; who may: registers/access.py."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from backend.core.errors import DomainError
from backend.municipalities.models import District
from backend.registers import planning, services
from backend.registers.access import access_register_import, can_import_register
from backend.registers.models import ImportStatus, RegisterImport

SHOWN_ISSUES = 500  # rows listed on the page; the API lists them all


def _officials_only(request) -> None:
    if not can_import_register(request.user):
        raise PermissionDenied


@login_required
def upload(request):
    _officials_only(request)
    error = None
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            error = _("Choose a file.")
        else:
            try:
                register_import = services.preview_register(by=request.user, file_name=file.name, content=file.read())
            except DomainError as exc:
                error = exc.message
            else:
                return redirect("registers:detail", import_id=register_import.id)
    recent = RegisterImport.objects.visible_to(request.user).defer("content")[:10]
    return render(request, "registers/upload.html", {"error": error, "recent": recent}, status=400 if error else 200)


def _worded(issues: list[dict]) -> list[dict]:
    """Each issue with its reason in the reader's language; a place name from the register
    stays as the register wrote it, marked Korean (docs/i18n.md)."""
    worded = []
    for issue in issues:
        values = {key: conditional_escape(value) for key, value in issue.items()}
        if "place" in issue:
            values["place"] = format_html('<span lang="ko">{}</span>', issue["place"])
        text = planning.ISSUE_TEXTS.get(issue.get("code", ""))
        reason = mark_safe(conditional_escape(text) % values) if text else planning.issue_reason(issue)
        worded.append({**issue, "reason": reason})
    return worded


@login_required
def detail(request, import_id):
    _officials_only(request)
    register_import = access_register_import(request.user, import_id)
    unknown_places = sorted({issue["place"] for issue in register_import.refused if issue.get("place", "?") != "?"})
    return render(
        request,
        "registers/detail.html",
        {
            "register_import": register_import,
            "counts": register_import.counts,
            "refused": _worded(register_import.refused[:SHOWN_ISSUES]),
            "warnings": _worded(register_import.warnings[:SHOWN_ISSUES]),
            "shown": SHOWN_ISSUES,
            "unknown_places": unknown_places,
            "districts": District.objects.filter(municipality_id=register_import.municipality_id),
            "stalled": register_import.status == ImportStatus.RUNNING and services.is_stalled(register_import),
        },
    )


@login_required
def progress(request, import_id):
    _officials_only(request)
    register_import = access_register_import(request.user, import_id)
    return JsonResponse(
        {
            "status": register_import.status,
            "done": register_import.done,
            "total": register_import.total,
            "percent": register_import.percent,
        }
    )


@login_required
@require_POST
def confirm(request, import_id):
    _officials_only(request)
    services.confirm_import(register_import=access_register_import(request.user, import_id), by=request.user)
    return redirect("registers:detail", import_id=import_id)


@login_required
@require_POST
def map_place(request, import_id):
    _officials_only(request)
    register_import = access_register_import(request.user, import_id)
    try:
        district_id = uuid.UUID(request.POST.get("district", ""))
    except ValueError:
        district_id = None
    district = District.objects.visible_to(request.user).filter(id=district_id).first() if district_id else None
    if district is None:
        messages.error(request, _("Choose a district."))
        return redirect("registers:detail", import_id=import_id)
    try:
        services.map_place(register_import=register_import, name=request.POST.get("name", ""), district=district)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Mapped; the preview is judged again."))
    return redirect("registers:detail", import_id=import_id)
