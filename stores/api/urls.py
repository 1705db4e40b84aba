from rest_framework.routers import SimpleRouter

from .views import QRCodeViewSet, RegionViewSet, StaffViewSet, StoreViewSet

router = SimpleRouter()
router.register("regions", RegionViewSet)
router.register("stores", StoreViewSet)
router.register("staff", StaffViewSet)
router.register("qrcodes", QRCodeViewSet)

urlpatterns = router.urls
