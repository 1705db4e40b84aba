"""Admin lists go through the data scope like every other read (ORG-3)."""

from django.contrib import admin

from .scope import ScopedQuerySet


class ScopedModelAdmin(admin.ModelAdmin):
    """A ModelAdmin whose list, detail and foreign-key choices show only the user's scope."""

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.remote_field.model._default_manager.all()
        if isinstance(related, ScopedQuerySet):
            kwargs.setdefault("queryset", related.visible_to(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyScopedAdmin(ScopedModelAdmin):
    """A scoped list head office reads but never edits: the rows are written by the product."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
