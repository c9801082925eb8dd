"""Officials' pages for tags: issue (one, or for every bin without one), replace (lost or
damaged), revoke. Replacing and revoking ask for a reason and a confirmation.
tags/services.py writes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backend.console.forms import ConfirmedReasonForm, ReplaceTagForm
from backend.console.views.common import (
    form_with_error,
    own_municipality_id,
    tags_managed_by,
    visible_bin,
    visible_tag,
)
from backend.core.audit import change_reason
from backend.core.errors import DomainError
from backend.tags import services


@login_required
@require_POST
def tag_issue(request, bin_id):
    tags_managed_by(request.user)
    bin = visible_bin(request.user, bin_id)
    try:
        tag = services.issue_tag(bin=bin, issued_by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Tag %(code)s issued.") % {"code": tag.manual_code_display})
    return redirect("console:restaurant", restaurant_id=bin.restaurant_id)


@login_required
def tags_bulk(request):
    tags_managed_by(request.user)
    if request.method == "POST":
        try:
            issued = services.issue_missing_tags(
                municipality_id=own_municipality_id(request.user), issued_by=request.user
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, ngettext("%(count)d tag issued.", "%(count)d tags issued.", issued) % {"count": issued}
            )
        return redirect("console:tags-bulk")
    waiting = (
        services.bins_without_active_tag(request.user.municipality_id).count() if request.user.municipality_id else 0
    )
    return render(request, "console/tags_bulk.html", {"waiting": waiting})


def _confirmed(request, tag, form_class, action, *, title, warning, submit, done):
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with change_reason(form.cleaned_data["reason"]):
                action(tag=tag, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form_with_error(form, error)
        else:
            messages.success(request, done)
            return redirect("console:restaurant", restaurant_id=tag.bin.restaurant_id)
    context = {
        "form": form,
        "title": title,
        "subject": f"{tag.bin} · {tag.manual_code_display}",
        "restaurant": tag.bin.restaurant,
        "warning": warning,
        "submit": submit,
    }
    return render(request, "console/confirm.html", context)


@login_required
def tag_replace(request, code):
    tags_managed_by(request.user)
    return _confirmed(
        request,
        visible_tag(request.user, code),
        ReplaceTagForm,
        services.replace_tag,
        title=_("Replace the tag"),
        warning=_("This tag is revoked and a new one issued: print and stick its new label."),
        submit=_("Replace"),
        done=_("A new tag was issued."),
    )


@login_required
def tag_revoke(request, code):
    tags_managed_by(request.user)
    return _confirmed(
        request,
        visible_tag(request.user, code),
        ConfirmedReasonForm,
        services.revoke_tag,
        title=_("Revoke the tag"),
        warning=_("No weighing can be recorded with a revoked tag."),
        submit=_("Revoke"),
        done=_("Tag revoked."),
    )
