from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request, format=None):
    """Entry point of API v1: links to each collection (all filtered to the caller's scope)."""
    names = ["region", "store", "staff", "customer", "qrcode"]
    links = {f"{name}s" if name != "staff" else "staff": reverse(f"{name}-list", request=request, format=format)
             for name in names}
    links["token"] = reverse("api-token", request=request, format=format)
    links["schema"] = reverse("api-schema", request=request, format=format)
    return Response(links)
