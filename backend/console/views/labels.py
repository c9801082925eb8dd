"""Officials' label sheets: pick restaurants (or every tag not printed yet), get the A4 PDF.
Small sheets are ready at once; big ones build in the background while the page shows
their progress (console/progress.js polls `label_sheet_progress`)."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backend.console.forms import LabelSheetForm
from backend.console.views.common import form_with_error, own_municipality_id, tags_managed_by
from backend.core.errors import DomainError
from backend.restaurants.models import Restaurant
from backend.tags.label_sheets import request_label_sheet, unprinted_tags
from backend.tags.models import LabelSheet, LabelSheetStatus, Tag


def _sheets_page(request, form, status=200):
    user = request.user
    context = {
        "form": form,
        "sheets": LabelSheet.objects.visible_to(user).select_related("requested_by")[:20],
        "unprinted": unprinted_tags(Tag.objects.visible_to(user)).count(),
    }
    return render(request, "console/label_sheets.html", context, status=status)


@login_required
def label_sheets(request):
    tags_managed_by(request.user)
    initial = {"scope": "restaurants" if request.GET.get("restaurant") else "unprinted"}
    initial["restaurants"] = "\n".join(request.GET.getlist("restaurant"))
    return _sheets_page(request, LabelSheetForm(initial=initial))


@login_required
@require_POST
def label_sheet_create(request):
    tags_managed_by(request.user)
    form = LabelSheetForm(request.POST)
    if not form.is_valid():
        return _sheets_page(request, form)
    tags = Tag.objects.visible_to(request.user)
    if form.cleaned_data["scope"] == "unprinted":
        tags = unprinted_tags(tags)
    else:
        refs = [ref.strip() for ref in form.cleaned_data["restaurants"].split() if ref.strip()]
        restaurants = _restaurants(request.user, refs)
        if not restaurants:
            form.add_error("restaurants", _("Name at least one restaurant."))
            return _sheets_page(request, form)
        tags = tags.filter(bin__restaurant__in=restaurants)
    try:
        sheet = request_label_sheet(
            municipality_id=own_municipality_id(request.user), requested_by=request.user, tags=tags
        )
    except DomainError as error:
        return _sheets_page(request, form_with_error(form, error))
    if sheet.status == LabelSheetStatus.DONE:
        messages.success(
            request,
            ngettext("%(count)d label is ready.", "%(count)d labels are ready.", sheet.tag_count)
            % {"count": sheet.tag_count},
        )
    return redirect("console:label-sheet", sheet_id=sheet.pk)


def _restaurants(user, refs: list[str]):
    ids = []
    for ref in refs:
        try:
            ids.append(uuid.UUID(ref))
        except ValueError:
            continue
    return Restaurant.objects.visible_to(user).filter(Q(pk__in=ids) | Q(register_id__in=refs))


def _visible_sheet(user, sheet_id) -> LabelSheet:
    return get_object_or_404(LabelSheet.objects.visible_to(user), pk=sheet_id)


@login_required
def label_sheet(request, sheet_id):
    tags_managed_by(request.user)
    return render(request, "console/label_sheet.html", {"sheet": _visible_sheet(request.user, sheet_id)})


@login_required
def label_sheet_progress(request, sheet_id):
    tags_managed_by(request.user)
    sheet = _visible_sheet(request.user, sheet_id)
    return JsonResponse(
        {"status": sheet.status, "done": sheet.done_count, "total": sheet.tag_count, "percent": sheet.percent}
    )


@login_required
def label_sheet_download(request, sheet_id):
    tags_managed_by(request.user)
    sheet = _visible_sheet(request.user, sheet_id)
    if sheet.status != LabelSheetStatus.DONE or not sheet.pdf:
        raise Http404
    return FileResponse(
        sheet.pdf.open("rb"),
        as_attachment=True,
        filename=f"labels-{sheet.created_at:%Y%m%d-%H%M}.pdf",
        content_type="application/pdf",
    )
