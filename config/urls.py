from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.throttling import ScopedRateThrottle

from automation import urls as automation_pages
from customers.views import scan, staff_hand_over
from invitations import urls as invitation_pages
from promotions import urls as promotion_pages
from surfaces.h5 import share_open
from surfaces.urls import auth_patterns, dashboard_patterns, h5_patterns, workbench_patterns

from . import health
from .api_root import api_root


class TokenView(ObtainAuthToken):
    """POST username and password, get the token for ``Authorization: Token <key>``."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"


api_v1 = [
    path("", api_root, name="api-root"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("stores.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("invitations.api.urls")),
    path("", include("promotions.api.urls")),
    path("", include("automation.api.urls")),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("dashboard/staff/<int:pk>/hand-over/", staff_hand_over, name="staff_hand_over"),
    path("dashboard/data/", include("customers.data_urls")),
    path("dashboard/invitations/", include((invitation_pages.dashboard_urlpatterns, "invitations"))),
    path("m/invitations/", include((invitation_pages.workbench_urlpatterns, "invitations_workbench"))),
    path("dashboard/promotions/", include((promotion_pages.dashboard_urlpatterns, "promotions"))),
    path("m/coupons/", include((promotion_pages.workbench_urlpatterns, "promotions_workbench"))),
    path("h5/", include((promotion_pages.h5_urlpatterns, "promotions_h5"))),
    path("dashboard/journeys/", include((automation_pages.dashboard_urlpatterns, "automation"))),
    path("h5/", include((automation_pages.h5_urlpatterns, "automation_h5"))),
    path("dashboard/", include(dashboard_patterns)),
    path("m/", include(workbench_patterns)),
    path("h5/", include(h5_patterns)),
    path("q/<str:token>", scan, name="scan"),
    path("s/<str:token>", share_open, name="share_open"),
    path("wechat/", include("wechat.urls")),
    path("qrcodes/", include("stores.urls")),
    path("", include(auth_patterns)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
