from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promotions")

    def ready(self):
        from django.urls import reverse

        from invitations.segments import segment_register
        from stores.touchpoints import register_target_page

        from .segments import KEY, coupon_expiring

        # An activity's code leads to its H5 page; the code's store and assistant get the scan.
        register_target_page("activity", lambda code: reverse("promotions_h5:activity", args=[code.target_id]))
        segment_register(KEY, coupon_expiring)
