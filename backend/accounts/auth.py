"""API token authentication: django-rest-knox's, with the header the crews' tools send
(`Authorization: Token <key>`). Knox keeps only a hash of each token, gives each one an
expiry (API_TOKEN_TTL_HOURS) and lets it be revoked one by one."""

from knox import auth as knox_auth
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
