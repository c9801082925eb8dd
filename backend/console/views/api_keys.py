"""Outside apps' Open311 API keys: make one for a named app (the key is shown once,
on the answer to the form, and kept only hashed), list them, revoke one (after a confirmation)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from backend.console.forms import ApiKeyForm, ConfirmForm
from backend.console.views.common import form_with_error, own_municipality_id, require
from backend.core.errors import DomainError
from backend.open311 import services
from backend.open311.access import can_manage_api_keys
from backend.open311.models import ApiKey

SHOWN = 200


def _keys_page(request, form, *, issued=None, raw_key="", status=200):
    keys = ApiKey.objects.visible_to(request.user).select_related("created_by", "revoked_by")[:SHOWN]
    context = {
        "form": form,
        "form_token": services.new_form_token(),
        "keys": keys,
        "issued": issued,
        "raw_key": raw_key,
    }
    return render(request, "console/api_keys.html", context, status=status)


@login_required
def api_keys(request):
    require(can_manage_api_keys(request.user))
    if request.method != "POST":
        return _keys_page(request, ApiKeyForm())
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        return _keys_page(request, form, status=400)
    try:
        key, raw = services.issue_api_key(
            municipality_id=own_municipality_id(request.user),
            app_name=form.cleaned_data["app_name"],
            by=request.user,
            form_token=request.POST.get("form_token", ""),
        )
    except DomainError as error:
        return _keys_page(request, form_with_error(form, error), status=400)
    # The key is in this answer only: the page is not cached. The same form sent again
    # (a double click, a reload) answers with the same key, not a second one.
    response = _keys_page(request, ApiKeyForm(), issued=key, raw_key=raw, status=201)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def api_key_revoke(request, key_id):
    """Revoking stops the app at once and cannot be undone: asked on a page of its own,
    with a box to tick, as the console's other irreversible actions are."""
    require(can_manage_api_keys(request.user))
    key = get_object_or_404(ApiKey.objects.visible_to(request.user), id=key_id)
    if not key.is_active:
        return redirect("console:api-keys")
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.revoke_api_key(key=key, by=request.user):
            messages.success(request, _("The key of %(app)s is revoked.") % {"app": key.app_name})
        return redirect("console:api-keys")
    context = {
        "form": form,
        "title": _("Revoke the key of %(app)s") % {"app": key.app_name},
        "subject": f"{key.app_name} · {key.prefix}…",
        "back_url": reverse("console:api-keys"),
        "back_label": _("API keys (Open311)"),
        "warning": _("The app can no longer file requests with this key; to let it again, make a new key."),
        "submit": _("Revoke"),
    }
    return render(request, "console/confirm.html", context, status=400 if form.errors else 200)
