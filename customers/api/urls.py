from rest_framework.routers import SimpleRouter

from . import data, identity, orders, privacy, profile, radar
from .views import CustomerViewSet

router = SimpleRouter()
# Concern modules first: their nested routes (customers/<id>/...) must win over the detail route.
for module in (profile, orders, data, privacy, radar, identity):
    module.register(router)
router.register("customers", CustomerViewSet)

urlpatterns = [*profile.urlpatterns, *orders.urlpatterns, *data.urlpatterns, *privacy.urlpatterns,
               *identity.urlpatterns, *router.urls]
