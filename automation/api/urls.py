from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
views.register(router)

urlpatterns = router.urls
