"""`PUT /api/v1/collections/{event_id}/photo/` (multipart, field `image`): a crew
attaches the photo it took to its scan. `GET` of the same path answers the photo's
bytes to whoever sees the scan (the crew who took it, the municipality's officials,
the restaurant's owner); to anyone else, 404 as for a scan that does not exist.

Photos are never served from a public media URL: only through this view."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.throttles import ScanPhotoThrottle
from backend.collection_events.access import can_record_scans
from backend.collection_events.models import ScanPhoto
from backend.core.errors import DomainError
from backend.core.parsers import JSONParser
from backend.core.permissions import WRITE, AccessPolicy
from backend.core.schema import ErrorSerializer
from backend.scan_photos import services

# Room for the multipart form's boundaries and part headers around the file itself.
FORM_OVERHEAD_BYTES = 16 * 1024


def photo_url(event_id, request=None) -> str:
    path = reverse("v1:collection-photo", kwargs={"event_id": event_id})
    return request.build_absolute_uri(path) if request is not None else path


class ScanPhotoUploadSerializer(serializers.Serializer):
    image = serializers.FileField(
        help_text=f"JPEG, PNG or WebP, at most {settings.SCAN_PHOTO_MAX_BYTES:,} bytes (SCAN_PHOTO_MAX_BYTES); "
        "stored re-encoded as JPEG, without metadata"
    )


class ScanPhotoSerializer(serializers.ModelSerializer):
    event = serializers.UUIDField(source="event_id", read_only=True)
    url = serializers.SerializerMethodField(help_text="the photo's bytes (image/jpeg), access-checked")

    class Meta:
        model = ScanPhoto
        fields = ["id", "event", "url", "width", "height", "bytes", "uploaded_at"]
        read_only_fields = fields

    def get_url(self, photo: ScanPhoto) -> str:
        return photo_url(photo.event_id, self.context.get("request"))


class JPEGRenderer(BaseRenderer):
    """Lets a client ask for `Accept: image/jpeg`; errors still come as JSON text."""

    media_type = "image/jpeg"
    format = "jpg"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class ScanPhotoView(APIView):
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_record_scans}  # reading: ScanPhoto.objects.visible_to
    # JSON too, as every API view reads it (with the depth limit): a JSON body has no file,
    # so it is answered 400 "image required" rather than 415.
    parser_classes = [MultiPartParser, JSONParser]
    throttle_classes = [ScanPhotoThrottle]

    def get_renderers(self):
        if getattr(self, "request", None) is not None and self.request.method == "GET":
            return [JSONRenderer(), JPEGRenderer()]
        return [JSONRenderer()]

    @extend_schema(
        operation_id="collections_photo_retrieve",
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
        description="The scan's photo (JPEG), to the crew who took it, the municipality's officials "
        "and the restaurant's owner; 404 to anyone else and when the scan has none.",
    )
    def get(self, request, event_id):
        photo = ScanPhoto.objects.visible_to(request.user).filter(event_id=event_id).first()
        if photo is None:
            raise services.scan_not_found()
        # Cache-Control: no-store, as on every API answer (core/middleware.py).
        return FileResponse(photo.image.open("rb"), content_type="image/jpeg")

    @extend_schema(
        operation_id="collections_photo_update",
        request={"multipart/form-data": ScanPhotoUploadSerializer},
        responses={
            201: ScanPhotoSerializer,
            200: OpenApiResponse(ScanPhotoSerializer, description="the same bytes again: the photo already stored"),
            415: OpenApiResponse(
                ErrorSerializer,
                description="`photo_type_not_allowed` (not a JPEG, PNG or WebP, read from the bytes), "
                "or `unsupported_media_type` (not a multipart form)",
            ),
        },
        description="Attach the photo a crew took to its own scan: 201 the first time, 200 when the same "
        "bytes come again (a retry), 409 `photo_already_attached` for other bytes, 409 "
        "`scan_already_billed` once the scan is on an issued invoice, 413 `photo_too_large`, "
        "400 `photo_unreadable` (corrupt, truncated, too many pixels), 404 for a scan of another crew.",
    )
    def put(self, request, event_id):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.SCAN_PHOTO_MAX_BYTES + FORM_OVERHEAD_BYTES:
            raise services.photo_too_large()  # decided before a byte of the body is read
        try:
            upload = request.data.get("image")
        except UnsupportedMediaType:
            raise DomainError(
                "unsupported_media_type",
                _("Send the photo as multipart/form-data, field `image`."),
                status_code=415,
            ) from None
        if not isinstance(upload, UploadedFile):
            raise services.photo_required()
        photo, created = services.attach_scan_photo(event_id=event_id, uploaded_by=request.user, upload=upload)
        return Response(
            ScanPhotoSerializer(photo, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
