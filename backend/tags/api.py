import django_filters
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from backend.core.fields import StrictIntegerField, StrictModelSerializer
from backend.core.permissions import WRITE, AccessPolicy
from backend.restaurants.access import can_manage_restaurants
from backend.restaurants.api import VisibleToRequestUser
from backend.restaurants.models import Bin, Restaurant, checked_collection_days
from backend.restaurants.services import add_bin
from backend.tags import services
from backend.tags.access import can_manage_tags
from backend.tags.models import Tag
from backend.tags.qr import qr_png


class TagSerializer(serializers.ModelSerializer):
    bin = serializers.UUIDField(source="bin_id", read_only=True)

    class Meta:
        model = Tag
        fields = [
            "code",
            "url",
            "manual_code",
            "manual_code_display",
            "status",
            "bin",
            "issued_at",
            "revoked_at",
            "revoke_reason",
            "nfc_uid",
            "sun_enabled",
        ]
        read_only_fields = fields


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class NfcUidSerializer(serializers.Serializer):
    uid = serializers.RegexField(r"^([0-9A-Fa-f]{2}:?){4,10}$", help_text="the chip's UID in hex, e.g. 04A1B2C3D4E5F6")
    sun_enabled = serializers.BooleanField(
        default=False, help_text="the chip is an NTAG 424 DNA programmed for Secure Unique NFC (docs/sun.md)"
    )


class TagViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TagSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_tags}
    lookup_field = "code"
    filterset_fields = ["bin", "status"]

    def get_queryset(self):
        return Tag.objects.visible_to(self.request.user)

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="qr.png")
    def qr(self, request, code=None, **kwargs):
        tag = self.get_object()
        return HttpResponse(qr_png(tag.url), content_type="image/png")

    @extend_schema(request=RevokeSerializer, responses=TagSerializer)
    @action(detail=True, methods=["post"], serializer_class=RevokeSerializer)
    def revoke(self, request, code=None, **kwargs):
        tag = self.get_object()
        form = RevokeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if tag.is_active:
            tag.revoke(by=request.user, reason=form.validated_data["reason"])
        return Response(TagSerializer(tag).data)

    @extend_schema(request=NfcUidSerializer, responses=TagSerializer)
    @action(detail=True, methods=["post"], url_path="nfc-uid", serializer_class=NfcUidSerializer)
    def nfc_uid(self, request, code=None, **kwargs):
        tag = self.get_object()
        form = NfcUidSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        tag.record_nfc_uid(form.validated_data["uid"], sun_enabled=form.validated_data["sun_enabled"])
        return Response(TagSerializer(tag).data)


class IssueTagSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, default="replaced by a new tag")


@extend_schema_view(
    list=extend_schema(responses=TagSerializer(many=True)),
    create=extend_schema(request=IssueTagSerializer, responses={201: TagSerializer}),
)
class BinTagsViewSet(viewsets.GenericViewSet):
    """`POST /bins/{id}/tags/`: issue the bin's tag, revoking the one it had."""

    serializer_class = IssueTagSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_tags}
    filterset_class = None
    pagination_class = None  # a bin has a handful of tags, listed whole
    queryset = Tag.objects.none()  # the model, for the schema; rows come from get_queryset

    def get_queryset(self):
        return Tag.objects.visible_to(self.request.user).filter(bin_id=self.kwargs["bin_pk"])

    def list(self, request, bin_pk=None, **kwargs):
        get_object_or_404(Bin.objects.visible_to(request.user), pk=bin_pk)
        return Response(TagSerializer(self.get_queryset(), many=True).data)

    def create(self, request, bin_pk=None, **kwargs):
        bin = get_object_or_404(Bin.objects.visible_to(request.user), pk=bin_pk)
        form = IssueTagSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        tag = services.issue_tag(bin=bin, issued_by=request.user, reason=form.validated_data["reason"])
        return Response(TagSerializer(tag).data, status=status.HTTP_201_CREATED)


class BinSerializer(StrictModelSerializer):
    restaurant = VisibleToRequestUser(queryset=Restaurant.objects.all())
    restaurant_name = serializers.CharField(source="restaurant.name", read_only=True)
    active_tag = serializers.SerializerMethodField()
    collection_days = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=7),
        max_length=7,
        required=False,
        help_text="collection days: ISO weekdays, 1 = Monday … 7 = Sunday; [] = every day",
    )

    class Meta:
        model = Bin
        fields = [
            "id",
            "restaurant",
            "restaurant_name",
            "capacity_liters",
            "label",
            "status",
            "collection_days",
            "active_tag",
        ]
        read_only_fields = ["status"]

    def validate_collection_days(self, days):
        return checked_collection_days(days)

    def get_active_tag(self, bin) -> dict | None:
        active = [tag for tag in bin.tags.all() if tag.is_active]  # prefetched
        return TagSerializer(active[0], context=self.context).data if active else None

    def create(self, validated_data):
        return add_bin(**validated_data)


class BinFilter(django_filters.FilterSet):
    district = django_filters.UUIDFilter(field_name="restaurant__district")

    class Meta:
        model = Bin
        fields = ["restaurant", "district", "status"]


class BinViewSet(viewsets.ModelViewSet):
    serializer_class = BinSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_manage_restaurants}
    filterset_class = BinFilter
    http_method_names = ["get", "post", "patch", "put", "head", "options"]

    def get_queryset(self):
        return Bin.objects.visible_to(self.request.user).select_related("restaurant").prefetch_related("tags")

    def perform_update(self, serializer):
        serializer.validated_data.pop("restaurant", None)  # a bin does not move between restaurants
        serializer.save()

    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None, **kwargs):
        bin = services.retire_bin(bin=self.get_object(), by=request.user)
        return Response(self.get_serializer(bin).data)
