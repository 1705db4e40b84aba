"""The scan endpoint ``/q/<token>``: every printed code leads here (QR-2, QR-3)."""

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from stores.models import HeadOffice
from stores.touchpoints import target_page_url
from wechat.identity import needs_oauth, oauth_authorize_url, request_identity

from .models import ScanEvent
from .scans import code_by_token, scan_record


@never_cache
def scan(request, token: str):
    code = code_by_token(token)
    if code is None or not code.is_active:
        # Forged, mistyped or withdrawn: a friendly page, never an error screen (QR-2).
        return render(request, "h5/code_invalid.html", {"office": HeadOffice.current(), "known": code is not None},
                      status=404 if code is None else 410)
    if needs_oauth(request):
        return redirect(oauth_authorize_url(request, request.get_full_path()))
    identity = request_identity(request)
    scan_record(
        code=code, identity=identity, channel=ScanEvent.Channel.OAUTH if identity else ScanEvent.Channel.BROWSER,
        user_agent=request.headers.get("User-Agent", ""),
    )
    return redirect(target_page_url(code) or "h5:home")
