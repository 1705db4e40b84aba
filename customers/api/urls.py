from rest_framework.routers import SimpleRouter

from . import data, orders, privacy, profile, radar
from .views import CustomerViewSet

router = SimpleRouter()
# Concern modules first: their nested routes (customers/<id>/...) must win over the detail route.
for module in (profile, orders, data, privacy, radar):
    module.register(router)
router.register("customers", CustomerViewSet)

urlpatterns = [*profile.urlpatterns, *orders.urlpatterns, *data.urlpatterns, *privacy.urlpatterns, *router.urls]
