from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.generics import RetrieveAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts import lockout
from backend.accounts.auth import TokenAuthentication
from backend.accounts.models import User
from backend.accounts.throttles import LOGIN_THROTTLES, client_address
from backend.accounts.tokens import issue_token, revoke_token
from backend.core.api import error_response
from backend.core.errors import DomainError


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


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)


def locked_response(seconds: int) -> Response:
    response = error_response("login_locked", lockout.locked_message(seconds), 429)
    response["Retry-After"] = str(seconds)
    return response


class TokenView(APIView):
    """`{username, password}` → `{"token", "expires_at"}` for the crews' apps and scripts.

    Each sign-in makes a new token (one per device or session); send it as
    `Authorization: Token <token>` until it expires or `POST /auth/logout/` revokes it.
    Attempts are limited per address and per account (429 `throttled`), and repeated
    wrong passwords lock the account for that address a while (429 `login_locked`)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = list(LOGIN_THROTTLES)
    serializer_class = TokenRequestSerializer

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username, password = serializer.validated_data["username"], serializer.validated_data["password"]
        address = client_address(request)
        if seconds := lockout.locked_for(username, address):
            return locked_response(seconds)
        user = authenticate(request=request._request, username=username, password=password)
        if user is None:
            if seconds := lockout.record_failure(username, address):
                return locked_response(seconds)
            raise DomainError(
                "invalid_credentials",
                _("Wrong username or password."),
            )
        lockout.record_success(username, address)
        key, expires_at = issue_token(user)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(TokenSerializer({"token": key, "expires_at": expires_at}).data)


class LogoutView(APIView):
    """Revokes the token this request was signed with; the account's other tokens
    (other devices) keep working."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, *args, **kwargs):
        if isinstance(request.auth, AuthToken):
            revoke_token(request.auth)
        return Response(status=204)
