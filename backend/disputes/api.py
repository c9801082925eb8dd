from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.collection_events.models import CollectionEvent
from backend.core.bounds import REASON_MAX_LENGTH
from backend.core.permissions import AccessPolicy
from backend.disputes import services
from backend.disputes.access import can_decide_dispute, can_raise_dispute
from backend.disputes.models import Dispute


class VisibleCollection(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return CollectionEvent.objects.visible_to(self.context["request"].user)


class DisputeListSerializer(serializers.ListSerializer):
    """Reads every listed dispute's invoice number in one query."""

    def to_representation(self, data):
        disputes = list(data.all() if hasattr(data, "all") else data)
        self.child.billed = services.billed_on_many(dispute.event_id for dispute in disputes)
        return super().to_representation(disputes)


class DisputeSerializer(serializers.ModelSerializer):
    collection = VisibleCollection(source="event")
    raised_by = serializers.CharField(source="raised_by.username", read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)
    billed_on = serializers.SerializerMethodField()
    proposed_weight_kg = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=20,
        help_text='the weight the owner believes right: kg, up to three decimals ("12.5"; "0": nothing put out)',
    )
    corrected_weight_g = serializers.IntegerField(source="replacement.weight_g", read_only=True, default=None)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "collection",
            "restaurant",
            "reason",
            "status",
            "raised_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_reason",
            "billed_on",
            "proposed_weight_kg",
            "proposed_weight_g",
            "outcome",
            "corrected_weight_g",
            "credit_krw",
            "credited_invoice_number",
        ]
        read_only_fields = [
            "restaurant",
            "status",
            "created_at",
            "decided_at",
            "decision_reason",
            "proposed_weight_g",
            "outcome",
            "credit_krw",
            "credited_invoice_number",
        ]
        extra_kwargs = {"reason": {"max_length": REASON_MAX_LENGTH}}
        validators: list[object] = []  # one open dispute per collection: the service answers with its own code
        list_serializer_class = DisputeListSerializer

    def get_billed_on(self, dispute) -> str | None:
        billed = getattr(self, "billed", None)  # set by DisputeListSerializer
        return billed.get(dispute.event_id) if billed is not None else services.billed_on(dispute.event_id)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class AcceptSerializer(DecisionSerializer):
    outcome = serializers.ChoiceField(
        choices=services.AcceptOutcome.choices,
        default=services.AcceptOutcome.VOID,
        help_text="void the collection, or correct its weight to `weight_kg`",
    )
    weight_kg = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text='the corrected weight in kg ("12.5"), to correct'
    )


class DisputeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = DisputeSerializer
    permission_classes = [AccessPolicy]
    access_policy = {"create": can_raise_dispute, "accept": can_decide_dispute, "reject": can_decide_dispute}
    filterset_fields = ["status", "restaurant"]

    def get_queryset(self):
        return Dispute.objects.visible_to(self.request.user).select_related(
            "raised_by", "decided_by", "replacement", "event__restaurant__municipality"
        )

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        dispute = services.raise_dispute(
            event=form.validated_data["event"],
            by=request.user,
            reason=form.validated_data["reason"],
            proposed_weight_g=services.parse_weight_kg(
                form.validated_data.get("proposed_weight_kg"), field="proposed_weight_kg"
            ),
        )
        return Response(self.get_serializer(dispute).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AcceptSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"], serializer_class=AcceptSerializer)
    def accept(self, request, *args, **kwargs):
        dispute = self.get_object()
        form = AcceptSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        dispute = services.accept_dispute(
            dispute=dispute,
            by=request.user,
            reason=form.validated_data["reason"],
            weight_g=services.accepted_weight(form.validated_data["outcome"], form.validated_data.get("weight_kg")),
        )
        return Response(DisputeSerializer(dispute, context=self.get_serializer_context()).data)

    @extend_schema(request=DecisionSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"], serializer_class=DecisionSerializer)
    def reject(self, request, *args, **kwargs):
        return self._decide(services.reject_dispute)

    def _decide(self, decide):
        dispute = self.get_object()
        form = DecisionSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        dispute = decide(dispute=dispute, by=self.request.user, reason=form.validated_data["reason"])
        return Response(DisputeSerializer(dispute, context=self.get_serializer_context()).data)
