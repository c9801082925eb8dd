"""Officials' pages for the crews' scales (/console/scales/) and weighings by scale
(/console/weighings/?scale=…), and the review queue of held scans (/console/review/)
with its rules. Thin views over scales.py and services.py; who may: access.py; which
rows: `visible_to`."""

import uuid
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import MaxValueValidator, MinValueValidator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from backend.collection_events import scales, services
from backend.collection_events.access import can_change_scan_status, can_manage_scales, scale_municipality
from backend.collection_events.models import CollectionEvent, CollectionStatus, HoldReason, HoldRules, Scale
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


# --- The review queue of held scans (/console/review/) and its rules -----------------

HELD_SHOWN = services.HELD_DECISION_MAX


class _BoundedDecimalField(forms.DecimalField):
    """A figure past its limits says so ("no more than 99.9"), not that it has too many
    digits, which is true of 1e309 but not what the official needs to hear."""

    def run_validators(self, value):
        for validator in self.validators:
            if isinstance(validator, (MinValueValidator, MaxValueValidator)) and value not in self.empty_values:
                validator(value)
        super().run_validators(value)


class HoldRulesForm(forms.ModelForm):
    change_reason = forms.CharField(
        label=_("Reason for the record"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = HoldRules
        fields = ["far_from_restaurant_m", "weight_z_threshold", "weight_min_history", "sun_required"]
        field_classes = {"weight_z_threshold": _BoundedDecimalField}
        # A choice rather than a lone checkbox: a 44 px target with its label, as the form's other fields.
        widgets = {
            "sun_required": forms.Select(
                choices=[
                    (True, pgettext_lazy("a yes-or-no value", "Yes")),
                    (False, pgettext_lazy("a yes-or-no value", "No")),
                ]
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The model's limits, said by the form too and put on the inputs as min and max.
        for name, field in self.fields.items():
            if name not in self.Meta.fields:
                continue
            for validator in HoldRules._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator):
                    field.widget.attrs["min"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    field.widget.attrs["max"] = validator.limit_value
                else:
                    continue
                if validator not in field.validators:
                    field.validators.append(validator)


@dataclass
class HeldRow:
    """One held scan as the review queue shows it: the scan, its reasons' labels, and the
    weights the weight rule read (grams, newest first) with their median."""

    event: CollectionEvent
    reasons: list[tuple[str, object]]  # (code, its label in the reader's language)
    weights_g: list[int]
    median_g: int | None
    z: str | None


def _held_rows(user) -> list[HeldRow]:
    events = (
        CollectionEvent.objects.visible_to(user)
        .filter(status=CollectionStatus.HELD)
        .select_related("bin", "restaurant", "tag", "photo", "collector")
        .order_by("collected_at", "id")[:HELD_SHOWN]
    )
    labels = dict(HoldReason.choices)
    rows = []
    for event in events:
        evidence = event.weight_evidence or {}
        rows.append(
            HeldRow(
                event=event,
                reasons=[(code, labels[code]) for code in event.hold_reasons],
                weights_g=evidence.get("history_g", []),
                median_g=evidence.get("median_g"),
                z=evidence.get("z"),
            )
        )
    return rows


def _chosen_ids(values: list[str]) -> list[uuid.UUID]:
    """The ticked scans, each once; one more than a decision takes, so that the service
    refuses too many rather than a repeated id hiding the ones after it."""
    chosen = []
    for value in list(dict.fromkeys(values))[: services.HELD_DECISION_MAX + 1]:
        try:
            chosen.append(uuid.UUID(value))
        except ValueError:
            raise DomainError("not_found", _("Not found."), status_code=404) from None
    return chosen


@login_required
def held_scans(request):
    """The held scans, oldest first, each with why and its evidence; officials release
    or void the ones they tick, with one reason."""
    if not can_change_scan_status(request.user):
        raise PermissionDenied
    error = None
    chosen: list[str] = []
    if request.method == "POST":
        chosen = request.POST.getlist("events")
        try:
            count = services.decide_held_scans(
                by=request.user,
                event_ids=_chosen_ids(chosen),
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
            )
        except DomainError as exc:
            error = exc
        else:
            if request.POST.get("decision") == services.HeldDecision.RELEASE:
                messages.success(request, _("%(count)s scans released for billing.") % {"count": count})
            else:
                messages.success(request, _("%(count)s scans voided.") % {"count": count})
            return redirect("review:held")
    return render(
        request,
        "collection_events/console/held.html",
        {
            "rows": _held_rows(request.user),
            "error": error,
            "chosen": set(chosen),
            "reason": request.POST.get("reason", "") if error else "",
            "rules": HoldRules.for_municipalities([request.user.municipality_id])[request.user.municipality_id]
            if request.user.municipality_id
            else None,
        },
        status=error.status_code if error else 200,
    )


@login_required
def hold_rules(request):
    """The municipality's thresholds for holding a scan, and their change history."""
    if not can_change_scan_status(request.user) or request.user.municipality_id is None:
        raise PermissionDenied
    rules = HoldRules.for_municipalities([request.user.municipality_id])[request.user.municipality_id]
    form = HoldRulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        with change_reason(form.cleaned_data["change_reason"]):
            form.save()
        messages.success(request, _("The hold rules were saved."))
        return redirect("review:rules")
    return render(
        request,
        "collection_events/console/hold_rules.html",
        {
            "rules": rules,
            "form": form,
            "saved": not rules._state.adding,  # a municipality that never saved has no history yet
        },
        status=400 if form.errors else 200,
    )
