from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from backend.core.parsers import JSONParser
from backend.core.permissions import WRITE, AccessPolicy
from backend.municipalities.models import District
from backend.registers import planning, services
from backend.registers.access import can_import_register
from backend.registers.models import RegisterImport


class IssueSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    code = serializers.CharField(required=False, help_text="why, as a stable machine code, e.g. `unknown_place`")
    reason = serializers.SerializerMethodField(help_text="why, in words, in the caller's language")
    place = serializers.CharField(required=False, help_text="the unknown 동/읍/면, for mapping it to a district")

    def get_reason(self, issue) -> str:
        return planning.issue_reason(issue)


class RegisterImportSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    refused = IssueSerializer(many=True, read_only=True)
    warnings = IssueSerializer(many=True, read_only=True)

    class Meta:
        model = RegisterImport
        fields = [
            "id",
            "status",
            "file_name",
            "file_format",
            "progress",
            "counts",
            "refused",
            "warnings",
            "written",
            "created_at",
            "confirmed_at",
            "finished_at",
            "last_error",
        ]
        read_only_fields = fields

    def get_progress(self, register_import) -> dict:
        return {"done": register_import.done, "total": register_import.total, "percent": register_import.percent}


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the licence register as downloaded: CSV (CP949 or UTF-8) or XLSX")


class PlaceSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, help_text="the 동/읍/면 as the register writes it")
    district = serializers.UUIDField()


class RegisterImportViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet
):
    """Officials import their municipality's licence register: upload (a preview; nothing
    is written), then confirm (a background run; poll the import for its progress)."""

    serializer_class = RegisterImportSerializer
    permission_classes = [AccessPolicy]
    access_policy = {WRITE: can_import_register}
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    def get_queryset(self):
        return RegisterImport.objects.visible_to(self.request.user).defer("content").select_related("municipality")

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: RegisterImportSerializer})
    def create(self, request, *args, **kwargs):
        upload = UploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        register_import = services.preview_register(by=request.user, file_name=file.name, content=file.read())
        return Response(self.get_serializer(register_import).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: RegisterImportSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        register_import = services.confirm_import(register_import=self.get_object(), by=request.user)
        return Response(self.get_serializer(register_import).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=PlaceSerializer, responses={200: RegisterImportSerializer})
    @action(detail=True, methods=["post"])
    def places(self, request, pk=None):
        """Map a place name the preview refused to one of the municipality's districts."""
        register_import = self.get_object()
        place = PlaceSerializer(data=request.data)
        place.is_valid(raise_exception=True)
        district = District.objects.visible_to(request.user).filter(id=place.validated_data["district"]).first()
        if district is None:
            raise ValidationError({"district": ["unknown district"]})
        register_import = RegisterImport.objects.select_related("municipality").get(id=register_import.id)
        services.map_place(register_import=register_import, name=place.validated_data["name"], district=district)
        return Response(self.get_serializer(register_import).data)
