"""`/api/v1/notices/`: the signed-in person's notice centre, newest first, and marking
one read (the first opening's time is kept)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.core.permissions import READ, AccessPolicy
from backend.notifications.access import can_read_own_notices
from backend.notifications.models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    title = serializers.CharField(source="subject", read_only=True)
    language = serializers.CharField(read_only=True, help_text="the language title and body are written in")

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "language", "link", "created_at", "read_at"]
        read_only_fields = fields


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in person's own notices, newest first. Reading one here does not mark
    it read: `POST .../read/` does, as opening its page does."""

    serializer_class = NoticeSerializer
    permission_classes = [AccessPolicy]
    access_policy = {READ: can_read_own_notices, "read": can_read_own_notices}

    def get_queryset(self):
        return Notice.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, *args, **kwargs):
        """Mark the notice read. Idempotent: a second call keeps the first reading's time."""
        notice = self.get_object()
        notice.mark_read()
        return Response(self.get_serializer(notice).data)
