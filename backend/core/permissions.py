"""Who may write what. Reading is scoped by each model's `visible_to(user)`."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class OfficialsWrite(BasePermission):
    """Everyone signed in reads (within their scope); officials and admins write."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or user.is_official or user.is_system_admin


class IsCollector(BasePermission):
    def has_permission(self, request, view) -> bool:
        return request.user.is_authenticated and request.user.is_collector
