from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.accounts.models import User
from backend.core.bounds import NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from backend.core.errors import DomainError
from backend.core.permissions import AccessPolicy
from backend.municipalities.models import Hauler
from backend.pickup_requests import services
from backend.pickup_requests.access import (
    can_cancel_pickup,
    can_complete_pickup,
    can_decide_pickup,
    can_request_pickup,
)
from backend.pickup_requests.models import PickupRequest, PickupRequestStep, RequestKind
from backend.pickup_requests.selectors import with_history
from backend.restaurants.models import Bin, Restaurant


class StepSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    by = serializers.CharField(source="by.username", read_only=True, default=None)
    hauler_name = serializers.CharField(source="hauler.name", read_only=True, default=None)
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None)

    class Meta:
        model = PickupRequestStep
        fields = [
            "id",
            "status",
            "status_display",
            "at",
            "by",
            "reason",
            "hauler",
            "hauler_name",
            "assignee",
            "collection",
        ]
        read_only_fields = fields


class PickupRequestSerializer(serializers.ModelSerializer):
    restaurant_name = serializers.CharField(source="restaurant.name", read_only=True)
    bin_label = serializers.CharField(source="bin.label", read_only=True, default=None)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    hauler_name = serializers.CharField(source="hauler.name", read_only=True, default=None)
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = PickupRequest
        fields = [
            "id",
            "restaurant",
            "restaurant_name",
            "bin",
            "bin_label",
            "kind",
            "kind_display",
            "requested_for",
            "note",
            "status",
            "status_display",
            "created_at",
            "hauler",
            "hauler_name",
            "assignee",
            "steps",
        ]
        read_only_fields = fields


class NewRequestSerializer(serializers.Serializer):
    restaurant = serializers.UUIDField(required=False, help_text="needed when no bin is given")
    bin = serializers.UUIDField(required=False, allow_null=True, help_text="empty: all of the restaurant's bins")
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    requested_for = serializers.DateField(required=False, help_text="local day; default today")
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default="")

    def validate(self, data):
        if not data.get("bin") and not data.get("restaurant"):
            raise serializers.ValidationError({"restaurant": ["required when no bin is given"]})
        return data


class AssignSerializer(serializers.Serializer):
    hauler = serializers.UUIDField(required=False, help_text="default: the one hauler serving the district")
    assignee = serializers.CharField(required=False, help_text="a crew member's username")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=REASON_MAX_LENGTH, default="")


class PickupRequestViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """수거 요청: owners' extra-pickup requests and missed-pickup reports, step by step."""

    serializer_class = PickupRequestSerializer
    permission_classes = [AccessPolicy]
    access_policy = {
        "create": can_request_pickup,
        "cancel": can_cancel_pickup,
        "assign": can_decide_pickup,
        "reject": can_decide_pickup,
        "done": can_complete_pickup,
    }
    filterset_fields = ["status", "kind", "requested_for", "restaurant", "bin"]

    def get_queryset(self):
        return with_history(PickupRequest.objects.visible_to(self.request.user))

    @extend_schema(request=NewRequestSerializer, responses={201: PickupRequestSerializer})
    def create(self, request, *args, **kwargs):
        form = NewRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        user = request.user
        bin = None
        if data.get("bin"):
            bin = get_object_or_404(Bin.objects.visible_to(user).select_related("restaurant"), id=data["bin"])
            restaurant = bin.restaurant
            if data.get("restaurant") and data["restaurant"] != restaurant.id:
                raise DomainError(
                    "validation_error",
                    _("The bin is not this restaurant's."),
                    fields={"bin": ["another restaurant's bin"]},
                )
        else:
            restaurant = get_object_or_404(Restaurant.objects.visible_to(user), id=data["restaurant"])
        restaurant = Restaurant.objects.select_related("municipality").get(id=restaurant.id)
        pickup = services.request_pickup(
            restaurant=restaurant,
            bin=bin,
            kind=data["kind"],
            requested_for=data.get("requested_for") or timezone.localdate(timezone=restaurant.municipality.zone),
            note=data["note"],
            by=user,
        )
        return Response(self._shown(pickup), status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=PickupRequestSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer)
    def cancel(self, request, *args, **kwargs):
        return self._step(services.cancel_request)

    @extend_schema(request=AssignSerializer, responses=PickupRequestSerializer)
    @action(detail=True, methods=["post"], serializer_class=AssignSerializer)
    def assign(self, request, *args, **kwargs):
        pickup = self.get_object()
        form = AssignSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        hauler = get_object_or_404(Hauler, id=data["hauler"]) if data.get("hauler") else None
        assignee = None
        if data.get("assignee"):
            assignee = get_object_or_404(User.objects.select_related("hauler"), username=data["assignee"])
        services.assign_request(pickup=pickup, by=request.user, hauler=hauler, assignee=assignee, reason=data["reason"])
        return Response(self._shown(pickup))

    @extend_schema(request=ReasonSerializer, responses=PickupRequestSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer)
    def reject(self, request, *args, **kwargs):
        return self._step(services.reject_request)

    @extend_schema(request=ReasonSerializer, responses=PickupRequestSerializer)
    @action(detail=True, methods=["post"], serializer_class=ReasonSerializer)
    def done(self, request, *args, **kwargs):
        return self._step(services.complete_request)

    def _step(self, step):
        pickup = self.get_object()
        form = ReasonSerializer(data=self.request.data)
        form.is_valid(raise_exception=True)
        step(pickup=pickup, by=self.request.user, reason=form.validated_data["reason"])
        return Response(self._shown(pickup))

    def _shown(self, pickup: PickupRequest) -> dict:
        fresh = self.get_queryset().get(id=pickup.id)
        return PickupRequestSerializer(fresh, context=self.get_serializer_context()).data
