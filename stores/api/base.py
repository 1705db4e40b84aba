"""API building blocks shared by every app: scoped querysets and role permissions."""

from rest_framework import permissions

from stores.scope import Level, scope_of


class ScopedQuerysetMixin:
    """Every API list and detail reads through ``visible_to``: out of scope is 404 (ORG-3)."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


class IsHQOrReadOnly(permissions.BasePermission):
    """Reads for anyone signed in (their scope applies); writes for head office only."""

    message = "Only head-office operators can change the organisation."

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return scope_of(request.user).level is Level.ALL
