"""Pages of promotions on the three surfaces (included by ``config/urls.py``)."""

from django.urls import path

from . import draw_views, group_buy_views, h5_views, staff_views

# /h5/... (customer, in WeChat)
h5_urlpatterns = [
    path("activities/<str:pk>/", h5_views.h5_activity, name="activity"),
    path("activities/<str:pk>/claim/<int:definition_pk>/", h5_views.h5_claim, name="claim"),
    path("me/coupons/", h5_views.h5_my_coupons, name="my_coupons"),
    *draw_views.h5_urlpatterns,
    *group_buy_views.h5_urlpatterns,
]

# /m/coupons/... (workbench)
workbench_urlpatterns = [
    path("redeem/", staff_views.workbench_redeem, name="redeem"),
    *group_buy_views.workbench_urlpatterns,
]

# /dashboard/promotions/...
dashboard_urlpatterns = [
    path("redemptions/", staff_views.dashboard_redemptions, name="redemptions"),
    path("redemptions/<int:pk>/reverse/", staff_views.dashboard_redemption_reverse, name="redemption_reverse"),
    *group_buy_views.dashboard_urlpatterns,
]
