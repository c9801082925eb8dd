import django_filters
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import pagination, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.accounts.throttles import SCAN_THROTTLES
from backend.collection_events import scales, services
from backend.collection_events.access import (
    can_change_scan_status,
    can_manage_scales,
    can_record_scans,
    scale_municipality,
)
from backend.collection_events.models import CollectionEvent, CollectionStatus, Scale
from backend.collection_events.schema import ScanBatchSerializer, ScanEventSerializer
from backend.core.audit import change_reason
from backend.core.errors import DomainError
from backend.core.filters import BoundedIsoDateTimeFilter
from backend.core.permissions import WRITE, AccessPolicy
from backend.core.schema import ErrorBodySerializer
from backend.municipalities.models import Hauler


class CollectionEventSerializer(serializers.ModelSerializer):
    weight_kg = serializers.DecimalField(max_digits=10, decimal_places=3, read_only=True)
    tag = serializers.CharField(source="tag.code", read_only=True)
    bin_label = serializers.CharField(source="bin.label", read_only=True)
    restaurant_name = serializers.CharField(source="restaurant.name", read_only=True)
    collector = serializers.CharField(source="collector.username", read_only=True)
    exception_message = serializers.CharField(source="get_exception_code_display", read_only=True)
    photo_url = serializers.SerializerMethodField(
        help_text="the scan's photo (GET, image/jpeg) once uploaded; null while there is none"
    )
    hold_reasons = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="the flags that hold (or held) the scan for an official: hold_window, far_from_restaurant, "
        "uid_mismatch, weight_implausible, unregistered_scale, scale_inspection_due, sun_missing",
    )

    class Meta:
        model = CollectionEvent
        fields = [
            "id",
            "bin",
            "bin_label",
            "restaurant",
            "restaurant_name",
            "tag",
            "weight_kg",
            "weight_g",
            "exception_code",
            "exception_message",
            "collected_at",
            "received_at",
            "lat",
            "lng",
            "distance_m",
            "gps_accuracy_m",
            "photo_id",
            "photo_url",
            "source",
            "scale_id",
            "reader_uid",
            "device_id",
            "collector",
            "status",
            "flags",
            "hold_reasons",
            "physically_tapped",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_photo_url(self, event: CollectionEvent) -> str | None:
        if event.attached_photo is None:
            return None
        # The photo's view is the scan photos' app (above billing); its route is named in api_urls.
        path = reverse("v1:collection-photo", kwargs={"event_id": event.id})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class BatchSerializer(serializers.Serializer):
    events = serializers.ListField(child=serializers.JSONField(), max_length=1000)


class BatchResultSerializer(serializers.Serializer):
    """One event's outcome, in the order sent: `created`, `duplicate` or `rejected` (with its error)."""

    id = serializers.UUIDField(allow_null=True)
    status = serializers.ChoiceField(choices=[services.CREATED, services.DUPLICATE, services.REJECTED])
    error = ErrorBodySerializer(required=False)


class BatchResultsSerializer(serializers.Serializer):
    results = BatchResultSerializer(many=True)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[CollectionStatus.BILLABLE, CollectionStatus.VOID])
    reason = serializers.CharField(max_length=1000)


class CollectionEventFilter(django_filters.FilterSet):
    restaurant = django_filters.UUIDFilter()
    bin = django_filters.UUIDFilter()
    status = django_filters.ChoiceFilter(choices=CollectionStatus.choices)
    # `from` is a Python keyword, hence the explicit names.
    collected_from = BoundedIsoDateTimeFilter(field_name="collected_at", lookup_expr="gte", label="from")
    collected_to = BoundedIsoDateTimeFilter(field_name="collected_at", lookup_expr="lt", label="to")

    class Meta:
        model = CollectionEvent
        fields = ["restaurant", "bin", "status"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None:
            data = data.copy()
            for public, internal in (("from", "collected_from"), ("to", "collected_to")):
                if public in data:
                    data[internal] = data[public]
        super().__init__(data, *args, **kwargs)


class NewestFirst(pagination.CursorPagination):
    ordering = ("-collected_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class CollectionEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Scans. Crews POST them (one, or a batch); everyone reads within their scope."""

    serializer_class = CollectionEventSerializer
    # What a status change answers with: the scan as this viewset shows it (billing's
    # subclass adds the fee, which this app cannot compute: it sits below billing).
    event_serializer_class = CollectionEventSerializer
    permission_classes = [AccessPolicy]
    access_policy = {"create": can_record_scans, "batch": can_record_scans, "change_status": can_change_scan_status}
    filterset_class = CollectionEventFilter
    pagination_class = NewestFirst
    throttle_classes = SCAN_THROTTLES  # per crew, on create and batch only

    def get_queryset(self):
        return CollectionEvent.objects.visible_to(self.request.user).select_related(
            "tag", "bin", "restaurant", "collector", "photo"
        )

    @extend_schema(
        request=ScanEventSerializer, responses={201: CollectionEventSerializer, 200: CollectionEventSerializer}
    )
    def create(self, request, *args, **kwargs):
        (outcome,) = services.record_collections(collector=request.user, events=[request.data])
        if outcome.error is not None:
            raise outcome.error
        event = outcome.event or self.get_queryset().get(id=outcome.event_id)
        created = outcome.result == services.CREATED
        return Response(
            self.get_serializer(event).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=ScanBatchSerializer, responses=BatchResultsSerializer)
    @action(detail=False, methods=["post"], serializer_class=BatchSerializer)
    def batch(self, request, *args, **kwargs):
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list):
            raise DomainError(
                "validation_error",
                _("A list of events is required."),
                fields={"events": ["a list of events"]},
            )
        outcomes = services.record_collections(collector=request.user, events=events)
        return Response({"results": [_batch_result(outcome) for outcome in outcomes]})

    @extend_schema(request=StatusChangeSerializer, responses=CollectionEventSerializer)
    @action(detail=True, methods=["post"], url_path="status", serializer_class=StatusChangeSerializer)
    def change_status(self, request, *args, **kwargs):
        event = self.get_object()
        form = StatusChangeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        to = form.validated_data["status"]
        if event.status == to:
            # A retry of a change that went through: say so, rather than "cannot change".
            raise DomainError(
                "status_already_changed",
                _("The scan is already %(status)s.") % {"status": event.get_status_display()},
                fields={"status": [f"already {to}"]},
                status_code=409,
            )
        event.change_status(to=to, by=request.user, reason=form.validated_data["reason"])
        # The answer is the scan, not the form this action reads.
        return Response(self.event_serializer_class(event, context=self.get_serializer_context()).data)


def _batch_result(outcome: services.ScanOutcome) -> dict[str, object]:
    result: dict[str, object] = {"id": str(outcome.id) if outcome.id else None, "status": outcome.result}
    if outcome.error is not None:
        result["error"] = outcome.error.as_dict()
    return result


class MunicipalityHauler(serializers.PrimaryKeyRelatedField):
    """A hauler of the caller's own municipality (any, for an administrator): another
    municipality's is answered like one that does not exist, not that it is elsewhere."""

    def get_queryset(self):
        user = self.context["request"].user
        if user.municipality_id is None:
            return self.queryset
        return self.queryset.filter(municipality_id=user.municipality_id)


class ScaleSerializer(serializers.ModelSerializer):
    hauler = MunicipalityHauler(queryset=Hauler.objects.all())
    hauler_name = serializers.CharField(source="hauler.name", read_only=True)
    inspection_valid_through = serializers.DateField(read_only=True)
    change_reason = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=100, help_text="why, for the audit trail"
    )

    class Meta:
        model = Scale
        fields = [
            "id",
            "serial",
            "model",
            "hauler",
            "hauler_name",
            "inspected_on",
            "inspection_valid_through",
            "created_at",
            "change_reason",
        ]
        read_only_fields = ["id", "created_at"]


class ScaleViewSet(viewsets.ModelViewSet):
    """The crews' scales, registered by the municipality's officials. A weighing that
    names an unregistered scale, or one whose inspection lapsed, is flagged."""

    serializer_class = ScaleSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_scales}  # reading: `Scale.objects.visible_to` (officials only)
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["serial", "hauler"]

    def get_queryset(self):
        return Scale.objects.visible_to(self.request.user).select_related("hauler", "municipality")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with change_reason(data.pop("change_reason", "")):
            serializer.instance = scales.register_scale(
                municipality=scale_municipality(self.request.user), today=self._today(), **data
            )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        with change_reason(data.pop("change_reason", "")):
            serializer.instance = scales.update_scale(scale=serializer.instance, today=self._today(), **data)

    def _today(self):
        return (
            timezone.localdate(timezone=self.request.user.municipality.zone)
            if self.request.user.municipality
            else timezone.localdate()
        )
