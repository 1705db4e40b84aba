from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurfacesConfig(AppConfig):
    name = "surfaces"
    verbose_name = _("Surfaces")
