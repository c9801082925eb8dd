"""API token authentication: django-rest-knox's, with the header the crews' tools send
(`Authorization: Token <key>`). Knox keeps only a hash of each token, gives each one an
expiry (API_TOKEN_TTL_HOURS) and lets it be revoked one by one."""

from django.utils import timezone
from knox import auth as knox_auth
from knox.signals import token_expired
from rest_framework import exceptions

# A knox token is 64 hex digits; anything much longer is not one.
_MAX_TOKEN_BYTES = 128


class TokenAuthentication(knox_auth.TokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        if len(token) > _MAX_TOKEN_BYTES:
            raise exceptions.AuthenticationFailed()
        try:
            token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed() from None
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token) -> bool:
        """Only this token's expiry, in the row already read: knox also sweeps the
        account's other expired tokens here, one more query on every request; we do
        that at sign-in instead (backend/accounts/tokens.py)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False
