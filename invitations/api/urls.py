from rest_framework.routers import SimpleRouter

from . import segments, tasks

router = SimpleRouter()
for module in (segments, tasks):
    module.register(router)

urlpatterns = [*segments.urlpatterns, *tasks.urlpatterns, *router.urls]
