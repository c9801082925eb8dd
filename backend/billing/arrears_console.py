"""The officials' arrears pages (/console/arrears/): overdue invoices by age, what each
owner was told, a reminder to the owners of the ticked invoices, and the list as CSV.

Thin views: forms read the filters and the ticked invoices, `billing/arrears.py` reads
and decides. Who may: billing/access.py; which invoices: `Invoice.objects.visible_to`.
"""

import csv
import uuid
from collections.abc import Iterator
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from backend.billing import arrears
from backend.billing.access import can_remind_arrears, can_see_arrears
from backend.core.errors import DomainError
from backend.core.spreadsheet_cells import as_text_cells
from backend.municipalities.models import District

PAGE_SIZE = 50
CSV_CHUNK = 500
CSV_COLUMNS = [
    "invoice_number",
    "restaurant_name",
    "restaurant_address",
    "business_number",
    "owner_name",
    "district",
    "period",
    "due_date",
    "days_past_due",
    "age_bucket",
    "total_krw",
    "paid_krw",
    "amount_krw",
    "notices_sent",
    "notices_read",
    "last_notice_at",
]


class ArrearsFilter(forms.Form):
    bucket = forms.ChoiceField(
        label=_("Past due"),
        required=False,
        choices=[("", _("All")), *arrears.BUCKET_LABELS.items()],
    )
    district = forms.ModelChoiceField(
        label=_("District"), required=False, queryset=District.objects.none(), empty_label=_("All")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        district = self.fields["district"]
        district.queryset = District.objects.visible_to(user).order_by("name")
        district.label_from_instance = lambda row: row.name  # its own name: no query for its municipality

    def query(self) -> dict[str, str]:
        """The filters as the list's query string keeps them."""
        data = self.cleaned_data if self.is_valid() else {}
        query = {}
        if data.get("bucket"):
            query["bucket"] = data["bucket"]
        if data.get("district"):
            query["district"] = str(data["district"].pk)
        return query


class InvoiceIdsField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[uuid.UUID]:
        try:
            return [uuid.UUID(str(item)) for item in value or []]
        except ValueError:
            raise forms.ValidationError(_("Unknown invoice.")) from None


class RemindForm(forms.Form):
    invoice = InvoiceIdsField(
        error_messages={
            "required": _("Tick at least one invoice to remind."),
        }
    )


def _officials_only(user) -> None:
    if not can_see_arrears(user):
        raise PermissionDenied


def _listing(request, filters: ArrearsFilter):
    municipality = arrears.arrears_municipality(request.user)
    today = arrears.local_today(municipality)
    data = filters.cleaned_data if filters.is_valid() else {}
    district = data.get("district")
    everything = arrears.arrears(
        user=request.user, municipality=municipality, today=today, district_id=district.pk if district else None
    )
    shown = everything.filter(arrears.due_dates_of(data["bucket"], today)) if data.get("bucket") else everything
    return municipality, today, everything, shown


@login_required
def arrears_list(request, remind_form: RemindForm | None = None):
    _officials_only(request.user)
    filters = ArrearsFilter(request.GET or None, user=request.user)
    _municipality, today, everything, shown = _listing(request, filters)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    told = arrears.notices_about(invoice.id for invoice in page)
    for invoice in page:
        invoice.days_past_due = arrears.days_past_due(invoice.due_date, today)
        invoice.bucket_label = arrears.BUCKET_LABELS.get(arrears.bucket_of(invoice.days_past_due) or "", "")
        invoice.told = told.get(str(invoice.id), [])
    query = filters.query()
    return render(
        request,
        "billing/console/arrears.html",
        {
            "filters": filters,
            "page": page,
            "today": today,
            "totals": arrears.bucket_totals(everything, today),
            "query": urlencode(query),
            "page_query": urlencode({**query, "page": page.number}),
            "remind_form": remind_form,
            "can_remind": can_remind_arrears(request.user),
        },
        status=400 if remind_form is not None and remind_form.errors else 200,
    )


@login_required
@require_POST
def remind(request):
    """Remind the owners of the ticked invoices; the page says how many were sent and how
    many had been reminded today already (and were not sent again)."""
    if not can_remind_arrears(request.user):
        raise PermissionDenied
    form = RemindForm(request.POST)
    if not form.is_valid():
        return arrears_list(request, remind_form=form)
    try:
        done = arrears.remind_arrears(
            user=request.user,
            municipality=arrears.arrears_municipality(request.user),
            invoice_ids=form.cleaned_data["invoice"],
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return arrears_list(request, remind_form=form)
    messages.success(request, reminded_message(done))
    back = {key: request.POST[key] for key in ("bucket", "district", "page") if request.POST.get(key)}
    return redirect(reverse("billing-console:arrears") + (f"?{urlencode(back)}" if back else ""))


def reminded_message(done: arrears.Reminded) -> str:
    parts = [ngettext("%(n)s reminder sent.", "%(n)s reminders sent.", done.sent) % {"n": done.sent}]
    if done.already_today:
        parts.append(
            ngettext(
                "%(n)s was already reminded today: not sent again.",
                "%(n)s were already reminded today: not sent again.",
                done.already_today,
            )
            % {"n": done.already_today}
        )
    if done.no_owner:
        parts.append(
            ngettext("%(n)s has no owner to remind.", "%(n)s have no owner to remind.", done.no_owner)
            % {"n": done.no_owner}
        )
    if done.not_in_arrears:
        parts.append(
            ngettext("%(n)s is no longer in arrears.", "%(n)s are no longer in arrears.", done.not_in_arrears)
            % {"n": done.not_in_arrears}
        )
    return " ".join(parts)


@login_required
def arrears_csv(request):
    """The whole filtered list (every page), streamed in chunks; amounts in KRW."""
    _officials_only(request.user)
    filters = ArrearsFilter(request.GET or None, user=request.user)
    _municipality, today, _everything, shown = _listing(request, filters)
    response = StreamingHttpResponse(_csv_lines(shown, today), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="arrears-{today.isoformat()}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(invoices, today) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)  # the BOM: Excel reads Korean as UTF-8
    batch: list = []
    for invoice in invoices.iterator(chunk_size=CSV_CHUNK):
        batch.append(invoice)
        if len(batch) == CSV_CHUNK:
            yield from _csv_rows(batch, today, writer)
            batch = []
    yield from _csv_rows(batch, today, writer)


def _csv_rows(invoices, today, writer) -> Iterator[str]:
    told = arrears.notices_about(invoice.id for invoice in invoices)
    for invoice in invoices:
        notices = told.get(str(invoice.id), [])
        days = arrears.days_past_due(invoice.due_date, today)
        last = max((notice.created_at for notice in notices), default=None)
        yield writer.writerow(
            as_text_cells(
                [
                    invoice.number,
                    invoice.restaurant_name,
                    invoice.restaurant_address,
                    invoice.business_number,
                    invoice.owner_name,
                    invoice.district_name,
                    str(invoice.billing_period),
                    invoice.due_date.isoformat(),
                    days,
                    arrears.bucket_of(days),
                    invoice.total_krw,
                    invoice.prepaid_applied_krw + invoice.paid_krw,
                    invoice.owed_krw,
                    len(notices),
                    sum(1 for notice in notices if notice.read_at is not None),
                    timezone.localtime(last, ZoneInfo(invoice.time_zone)).isoformat() if last else "",
                ]
            )
        )
