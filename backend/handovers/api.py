from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.core.permissions import AccessPolicy
from backend.handovers import services
from backend.handovers.access import can_decide_handover, can_report_handover
from backend.handovers.models import Handover
from backend.restaurants.models import Restaurant


class OwnedRestaurant(serializers.PrimaryKeyRelatedField):
    """A restaurant the owner holds now (an old owner's past ones are read-only)."""

    def get_queryset(self):
        return Restaurant.objects.visible_to(self.context["request"].user)


class HandoverSerializer(serializers.ModelSerializer):
    restaurant = OwnedRestaurant()
    restaurant_name = serializers.CharField(source="restaurant.name", read_only=True)
    final_invoice_number = serializers.CharField(source="final_invoice.number", read_only=True, default=None)

    class Meta:
        model = Handover
        fields = [
            "id",
            "restaurant",
            "restaurant_name",
            "kind",
            "status",
            "proposed_on",
            "new_owner_name",
            "new_owner_email",
            "new_owner_phone",
            "note",
            "reported_at",
            "decided_at",
            "effective_on",
            "decision_reason",
            "final_invoice",
            "final_invoice_number",
        ]
        read_only_fields = [
            "status",
            "reported_at",
            "decided_at",
            "effective_on",
            "decision_reason",
            "final_invoice",
        ]
        validators: list[object] = []  # one waiting report per restaurant: the service answers with its code


class ConfirmSerializer(serializers.Serializer):
    effective_on = serializers.DateField(help_text="closing: the last day open; sale: the new owner's first day")
    new_owner_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    new_owner_email = serializers.EmailField(required=False, allow_blank=True)
    new_owner_phone = serializers.CharField(max_length=13, required=False, allow_blank=True)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.NOTE_MAX)


class HandoverViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Closing and sale reports: owners report, officials of the municipality confirm
    (with the date) or reject."""

    serializer_class = HandoverSerializer
    permission_classes = [AccessPolicy]
    access_policy = {"create": can_report_handover, "confirm": can_decide_handover, "reject": can_decide_handover}
    filterset_fields = ["status", "restaurant"]

    def get_queryset(self):
        return Handover.objects.visible_to(self.request.user).select_related("restaurant", "final_invoice")

    def create(self, request, *args, **kwargs):
        form = self.get_serializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        handover = services.report_handover(
            by=request.user,
            restaurant=data["restaurant"],
            kind=data["kind"],
            proposed_on=data["proposed_on"],
            new_owner_name=data.get("new_owner_name", ""),
            new_owner_email=data.get("new_owner_email", ""),
            new_owner_phone=data.get("new_owner_phone", ""),
            note=data.get("note", ""),
        )
        return Response(self.get_serializer(handover).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConfirmSerializer, responses=HandoverSerializer)
    @action(detail=True, methods=["post"], serializer_class=ConfirmSerializer)
    def confirm(self, request, *args, **kwargs):
        handover = self.get_object()
        form = ConfirmSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        handover = services.confirm_handover(handover=handover, by=request.user, **form.validated_data)
        return Response(HandoverSerializer(handover, context=self.get_serializer_context()).data)

    @extend_schema(request=RejectSerializer, responses=HandoverSerializer)
    @action(detail=True, methods=["post"], serializer_class=RejectSerializer)
    def reject(self, request, *args, **kwargs):
        handover = self.get_object()
        form = RejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        handover = services.reject_handover(handover=handover, by=request.user, reason=form.validated_data["reason"])
        return Response(HandoverSerializer(handover, context=self.get_serializer_context()).data)
