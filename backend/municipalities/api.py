from rest_framework import serializers, viewsets

from backend.municipalities.models import District


class DistrictSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.name", read_only=True)

    class Meta:
        model = District
        fields = ["id", "name", "code", "municipality"]


class DistrictViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DistrictSerializer

    def get_queryset(self):
        return District.objects.visible_to(self.request.user).select_related("municipality")
