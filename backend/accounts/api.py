from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.generics import RetrieveAPIView
from rest_framework.views import APIView

from backend.accounts.models import User


class MeSerializer(serializers.ModelSerializer):
    municipality = serializers.CharField(source="municipality.name", default=None, read_only=True)
    hauler = serializers.CharField(source="hauler.name", default=None, read_only=True)

    class Meta:
        model = User
        fields = ["username", "role", "first_name", "last_name", "email", "municipality", "hauler"]
        read_only_fields = fields


class MeView(RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class TokenView(ObtainAuthToken):
    """`{username, password}` → `{"token"}` for the crews' apps and scripts."""

    parser_classes = APIView.parser_classes  # the project's (depth-limited JSON), not ObtainAuthToken's own
