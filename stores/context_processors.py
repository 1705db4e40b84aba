from django.conf import settings

from .scope import scope_of


def acting_staff(request):
    """The staff record of the logged-in user (or None) and their data scope, for layouts."""
    user = getattr(request, "user", None)
    return {
        "acting_staff": getattr(user, "staff", None) if user is not None and user.is_authenticated else None,
        "data_scope": scope_of(user),
        "fake_wechat": settings.WECHAT_MODE == "fake",
    }
