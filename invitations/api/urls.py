from rest_framework.routers import SimpleRouter

from . import metrics, segments, tasks

router = SimpleRouter()
for module in (metrics, segments, tasks):
    module.register(router)

urlpatterns = [*metrics.urlpatterns, *segments.urlpatterns, *tasks.urlpatterns, *router.urls]
