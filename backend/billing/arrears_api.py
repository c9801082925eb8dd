"""`/api/v1/arrears/`: the official's overdue invoices by age, with what each owner was
told and whether they read it; `/api/v1/arrears/remind/`: one reminder per invoice a day."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.billing import arrears
from backend.billing.access import can_remind_arrears, can_see_arrears
from backend.billing.api import PeriodField
from backend.billing.models import Invoice
from backend.core.parsers import JSONParser
from backend.core.permissions import READ, WRITE, AccessPolicy
from backend.notifications.models import Notice


class ArrearsQuerySerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(
        choices=list(arrears.BUCKET_CODES), required=False, help_text="days past due: 1–29, 30–59, 60–89, 90 or more"
    )
    district = serializers.UUIDField(required=False)


class ToldSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notice
        fields = ["id", "kind", "status", "created_at", "sent_at", "read_at"]
        read_only_fields = fields


class ArrearSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.CharField()
    restaurant = serializers.UUIDField(source="restaurant_id")
    restaurant_name = serializers.CharField(help_text="as copied on the invoice")
    restaurant_address = serializers.CharField()
    owner_name = serializers.CharField(allow_blank=True, help_text="the owner billed, as copied on the invoice")
    district_name = serializers.CharField()
    period = PeriodField()
    due_date = serializers.DateField()
    days_past_due = serializers.IntegerField(min_value=1)
    age_bucket = serializers.ChoiceField(choices=list(arrears.BUCKET_CODES))
    total_krw = serializers.IntegerField()
    amount_krw = serializers.IntegerField(source="owed_krw", help_text="still owed, KRW")
    notices = ToldSerializer(many=True, source="told", help_text="what the owner was told, oldest first")


class ArrearsView(generics.ListAPIView):
    """Overdue invoices of the official's municipality with something owed, oldest due
    date first; ages in days past due in the municipality's time zone."""

    serializer_class = ArrearSerializer
    permission_classes = [AccessPolicy]
    access_policy = {READ: can_see_arrears, WRITE: can_see_arrears}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn without a user
            return Invoice.objects.none()
        query = ArrearsQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        municipality = arrears.arrears_municipality(self.request.user)
        self.today = arrears.local_today(municipality)
        return arrears.arrears(
            user=self.request.user,
            municipality=municipality,
            today=self.today,
            bucket=query.validated_data.get("bucket"),
            district_id=query.validated_data.get("district"),
        )

    @extend_schema(parameters=[ArrearsQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        told = arrears.notices_about(invoice.id for invoice in rows)
        for invoice in rows:
            invoice.days_past_due = arrears.days_past_due(invoice.due_date, self.today)
            invoice.age_bucket = arrears.bucket_of(invoice.days_past_due)
            invoice.told = told.get(str(invoice.id), [])
        return page


class RemindRequestSerializer(serializers.Serializer):
    invoices = serializers.ListField(
        child=serializers.UUIDField(), min_length=1, max_length=arrears.MAX_REMINDERS, help_text="invoice ids"
    )


class RemindedSerializer(serializers.Serializer):
    sent = serializers.IntegerField(help_text="reminders written now")
    already_today = serializers.IntegerField(help_text="invoices reminded earlier today: not sent again")
    no_owner = serializers.IntegerField(help_text="invoices billed to nobody")
    not_in_arrears = serializers.IntegerField(help_text="paid, not past due, or not the official's")


class ArrearsRemindView(APIView):
    """One reminder notice per invoice still in arrears, to the owner billed on it, at
    most once per invoice a local day (a repeat the same day sends none)."""

    permission_classes = [AccessPolicy]
    access_policy = {READ: can_remind_arrears, WRITE: can_remind_arrears}
    parser_classes = [JSONParser]  # a list of ids: JSON only (the page's form posts to its own view)

    @extend_schema(request=RemindRequestSerializer, responses=RemindedSerializer)
    def post(self, request):
        form = RemindRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        done = arrears.remind_arrears(
            user=request.user,
            municipality=arrears.arrears_municipality(request.user),
            invoice_ids=form.validated_data["invoices"],
        )
        return Response(RemindedSerializer(done).data)
