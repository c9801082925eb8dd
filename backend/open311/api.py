"""`/api/v1/api-keys/`: officials issue, list and revoke outside apps' Open311 keys."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.core.errors import DomainError
from backend.core.permissions import AccessPolicy
from backend.open311 import services
from backend.open311.access import can_manage_api_keys
from backend.open311.models import ApiKey


class ApiKeySerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    revoked_by = serializers.CharField(source="revoked_by.username", read_only=True, default=None)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "app_name",
            "prefix",
            "municipality",
            "created_by",
            "created_at",
            "is_active",
            "revoked_at",
            "revoked_by",
        ]
        read_only_fields = fields


class NewApiKeySerializer(serializers.Serializer):
    app_name = serializers.CharField(
        max_length=services.APP_NAME_MAX_LENGTH, help_text="the outside app the key is for"
    )


class IssuedApiKeySerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="the key itself: shown this once, never again")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields


class ApiKeyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Open311 API keys (docs/api.md#open311-georeport-v2): one per outside app."""

    serializer_class = ApiKeySerializer
    permission_classes = [AccessPolicy]
    # Reading is scoped by `ApiKey.objects.visible_to` (others see an empty list).
    access_policy = {
        "create": can_manage_api_keys,
        "revoke": can_manage_api_keys,
    }

    def get_queryset(self):
        return ApiKey.objects.visible_to(self.request.user).select_related("created_by", "revoked_by")

    @extend_schema(request=NewApiKeySerializer, responses={201: IssuedApiKeySerializer})
    def create(self, request, *args, **kwargs):
        form = NewApiKeySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if request.user.municipality_id is None:
            raise DomainError(
                "permission_denied", _("Only an official of a municipality can do this."), status_code=403
            )
        key, raw = services.issue_api_key(
            municipality_id=request.user.municipality_id, app_name=form.validated_data["app_name"], by=request.user
        )
        shown = IssuedApiKeySerializer(self.get_queryset().get(id=key.id)).data
        return Response({**shown, "key": raw}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiKeySerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, *args, **kwargs):
        key = self.get_object()
        services.revoke_api_key(key=key, by=request.user)
        return Response(ApiKeySerializer(self.get_queryset().get(id=key.id)).data)
