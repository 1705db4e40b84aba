from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from wechatpy.exceptions import WeChatException
from requests import RequestException

from stores.models import HeadOffice

from . import callback, events
from .identity import identity_from_code, next_url_from_state, remember_identity
from .jssdk import ForeignUrl, jssdk_config


@never_cache
def oauth_callback(request):
    """WeChat's OAuth comes back here with a code; we learn the openid and return to the page."""
    code = request.GET.get("code", "")
    if not code or len(code) > 128:
        return HttpResponseBadRequest("invalid OAuth callback")
    # An unknown or used state (the back button, an old link): still learn who it is, go home.
    next_url = next_url_from_state(request.GET.get("state", "")) or reverse("h5:home")
    try:
        identity = identity_from_code(code)
    except (WeChatException, RequestException):
        return render(request, "h5/wechat_busy.html", {"office": HeadOffice.current(), "retry": next_url},
                      status=502)
    response = redirect(next_url)
    remember_identity(response, identity)
    return response


@csrf_exempt
@never_cache
def official_account_callback(request):
    """``/wechat/callback/``: the URL configured in the official account (WX-1)."""
    try:
        callback.verify(request.GET)
        if request.method == "GET":
            return HttpResponse(request.GET.get("echostr", "")[:128], content_type="text/plain")
        if request.method != "POST":
            return HttpResponse(status=405)
        message = callback.read_message(request.GET, request.body)
    except callback.CallbackRejected as rejected:
        return HttpResponse(rejected.reason, status=rejected.status, content_type="text/plain")
    key = callback.event_key(message)
    if not callback.claim(key):
        return HttpResponse("success", content_type="text/plain")
    try:
        reply = events.handle(message)
    except Exception:
        callback.release(key)
        raise
    if reply is None:
        return HttpResponse("success", content_type="text/plain")
    xml = reply.render()
    if request.GET.get("encrypt_type") == "aes":
        xml = callback.encrypt_reply(xml, request.GET)
    return HttpResponse(xml, content_type="application/xml")


@never_cache
def jssdk(request):
    """``GET /wechat/jssdk/?url=<page>``: the signed ``wx.config`` for one of our pages (WX-2)."""
    try:
        return JsonResponse(jssdk_config(request.GET.get("url", "")))
    except ForeignUrl:
        return JsonResponse({"error": "url must be a page of this site"}, status=400)
    except (WeChatException, RequestException):
        return JsonResponse({"error": "WeChat is unavailable, try again"}, status=502)


@csrf_exempt
@never_cache
def wecom_callback(request):
    """``/wechat/wecom/callback/``: WeCom's customer-contact events (WX-4), always encrypted."""
    from . import wecom

    try:
        if request.method == "GET":
            return HttpResponse(callback.wecom_echo(request.GET), content_type="text/plain")
        if request.method != "POST":
            return HttpResponse(status=405)
        event = callback.wecom_read_event(request.GET, request.body)
    except callback.CallbackRejected as rejected:
        return HttpResponse(rejected.reason, status=rejected.status, content_type="text/plain")
    if event.get("Event") != "change_external_contact":
        return HttpResponse("success", content_type="text/plain")
    key = callback.wecom_event_key(event)
    if not callback.claim(key):
        return HttpResponse("success", content_type="text/plain")
    change, staff, external = event.get("ChangeType"), event.get("UserID", ""), event.get("ExternalUserID", "")
    try:
        if change == "add_external_contact":
            wecom.wecom_contact_added(staff_userid=staff, external_userid=external, state=event.get("State", ""))
        elif change in ("del_external_contact", "del_follow_user"):
            wecom.wecom_contact_removed(staff_userid=staff, external_userid=external)
    except Exception:
        callback.release(key)
        raise
    return HttpResponse("success", content_type="text/plain")
