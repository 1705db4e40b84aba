from rest_framework.routers import SimpleRouter

from .views import RegionViewSet, StaffViewSet, StoreViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet)
router.register("stores", StoreViewSet)
router.register("staff", StaffViewSet)

urlpatterns = router.urls
