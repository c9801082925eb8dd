"""Officials' pages for the crews' scales (/console/scales/) and weighings by scale
(/console/weighings/?scale=…). Thin views over scales.py; who may:
access.can_manage_scales; which rows: `visible_to`."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.collection_events import scales
from backend.collection_events.access import can_manage_scales, scale_municipality
from backend.collection_events.models import CollectionEvent, Scale
from backend.core.audit import change_reason
from backend.core.errors import DomainError
from backend.municipalities.models import Hauler

SCALES_SHOWN = 200
WEIGHINGS_SHOWN = 100


class ScaleForm(forms.Form):
    serial = forms.CharField(label=_("Scale id"), max_length=64)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    hauler = forms.ModelChoiceField(label=_("Hauler"), queryset=Hauler.objects.none())
    inspected_on = forms.DateField(label=_("Last legal inspection"), widget=forms.DateInput(attrs={"type": "date"}))
    change_reason = forms.CharField(
        label=_("Reason for the record"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args, municipality_id=None, fixed_serial=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hauler"].queryset = Hauler.objects.filter(municipality_id=municipality_id)
        if fixed_serial:
            del self.fields["serial"]


def _show_domain_error(form: forms.Form, error: DomainError) -> None:
    fields = [name for name in error.fields if name in form.fields]
    form.add_error(fields[0] if fields else None, str(error.message))


def _officials_only(request) -> None:
    if not can_manage_scales(request.user):
        raise PermissionDenied


def _today(user):
    return timezone.localdate(timezone=user.municipality.zone) if user.municipality else timezone.localdate()


@login_required
def scale_list(request):
    _officials_only(request)
    municipality_id = request.user.municipality_id
    form = ScaleForm(request.POST or None, municipality_id=municipality_id)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            with change_reason(data.pop("change_reason")):
                scale = scales.register_scale(
                    municipality=scale_municipality(request.user), today=_today(request.user), **data
                )
        except DomainError as error:
            _show_domain_error(form, error)
        else:
            messages.success(request, _("Scale %(serial)s registered.") % {"serial": scale.serial})
            return redirect("scales:detail", scale_id=scale.id)
    rows = Scale.objects.visible_to(request.user).select_related("hauler")[:SCALES_SHOWN]
    today = _today(request.user)
    listed = [(scale, scale.inspection_due_on(today)) for scale in rows]
    return render(
        request,
        "collection_events/console/scales.html",
        {"scales": listed, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def scale_detail(request, scale_id):
    _officials_only(request)
    scale = get_object_or_404(
        Scale.objects.visible_to(request.user).select_related("hauler", "municipality"), id=scale_id
    )
    initial = {"model": scale.model, "hauler": scale.hauler_id, "inspected_on": scale.inspected_on}
    form = ScaleForm(request.POST or None, initial=initial, municipality_id=scale.municipality_id, fixed_serial=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            with change_reason(data.pop("change_reason")):
                scales.update_scale(scale=scale, today=_today(request.user), **data)
        except DomainError as error:
            scale.refresh_from_db()
            _show_domain_error(form, error)
        else:
            messages.success(request, _("The scale was saved."))
            return redirect("scales:detail", scale_id=scale.id)
    return render(
        request,
        "collection_events/console/scale.html",
        {"scale": scale, "form": form, "due": scale.inspection_due_on(_today(request.user))},
        status=400 if form.errors else 200,
    )


@login_required
def weighings(request):
    """The latest weighings that name one scale (registered or not), newest first."""
    _officials_only(request)
    serial = request.GET.get("scale", "").strip()[:64]
    events = []
    scale = None
    # A serial with a NUL or another unprintable character names no scale (and
    # PostgreSQL refuses a NUL in a query): nothing to look up.
    if serial and serial.isprintable():
        scale = Scale.objects.visible_to(request.user).filter(serial=serial).first()
        events = (
            CollectionEvent.objects.visible_to(request.user)
            .filter(scale_id=serial)
            .select_related("restaurant", "bin", "collector")
            .order_by("-collected_at")[:WEIGHINGS_SHOWN]
        )
    return render(
        request, "collection_events/console/weighings.html", {"serial": serial, "scale": scale, "events": events}
    )
