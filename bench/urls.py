"""The product's URLs plus the baseline of the scan benchmark: a bare view doing one INSERT."""

from django.http import HttpResponseRedirect
from django.urls import path
from django.utils import timezone

from config.urls import urlpatterns as product_urls
from customers.models import ScanEvent


def bare_scan(request, code_id: int, customer_id: int):
    """What any scan endpoint must do at the least: write the same row and answer with a redirect."""
    ScanEvent.objects.create(qr_code_id=code_id, customer_id=customer_id, target_type="store", target_id=1,
                             store_id=None, staff_id=None, channel="oauth",
                             user_agent=request.headers.get("User-Agent", "")[:300], bound=False,
                             scanned_at=timezone.now())
    return HttpResponseRedirect("/h5/")


urlpatterns = [path("bench/bare-scan/<int:code_id>/<int:customer_id>", bare_scan), *product_urls]
