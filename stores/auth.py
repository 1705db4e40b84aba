"""Role-based permissions for the admin, decided in code from the staff role.

Head-office operators manage the organisation, the catalogue and every business app in the admin
(and the scheduled jobs of django-celery-beat). Which *rows* they, or anyone, see is decided by
the data scope (``stores.scope``); this backend only says which screens open.
"""

from django.contrib.auth.backends import ModelBackend

from .scope import Level, scope_of

HQ_APPS = {
    "stores", "customers", "invitations", "promotions", "automation", "referrals", "wechat", "analytics",
    "django_celery_beat", "authtoken",
}


def _is_hq(user) -> bool:
    return user.is_active and user.is_staff and scope_of(user).level is Level.ALL


class RolePermissionBackend(ModelBackend):
    def has_perm(self, user_obj, perm, obj=None):
        if _is_hq(user_obj) and perm.split(".", 1)[0] in HQ_APPS:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label):
        if _is_hq(user_obj) and app_label in HQ_APPS:
            return True
        return super().has_module_perms(user_obj, app_label)
