from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurfacesConfig(AppConfig):
    name = "surfaces"
    verbose_name = _("Surfaces")

    def ready(self):
        from django.urls import reverse

        from stores.touchpoints import register_target_page

        register_target_page("store", lambda code: reverse("h5:store", args=[code.store.code]))
        register_target_page("wifi", lambda code: reverse("h5:wifi", args=[code.token]))
        register_target_page("staff", lambda code: reverse("h5:staff_card", args=[code.token]))
        register_target_page("product", lambda code: reverse("h5:product", args=[code.target.sku]))
        # The solution's id is on the code itself: no query on the scan path.
        register_target_page("solution", lambda code: reverse("h5:solution", args=[code.target_id]))
