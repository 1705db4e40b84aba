"""Draw pages (PRO-4): the lucky wheel and shake on the customer's H5 page.

``/h5/activities/<pk>/`` of a draw activity renders here (``h5_views.h5_activity`` hands over);
``POST /h5/activities/<pk>/draw/`` draws once through :func:`promotions.draws.draw_make`. The server
decides; the page's script (``static/js/draws.js``) posts with the CSRF token, then spins the wheel
to the segment of the server's result (or, on the shake page, shows it after the shake) and says
what came of it. Without the script the same form posts and the page comes back with the result.

An unknown visitor goes through WeChat's silent sign-in first and comes back to the page. Refusals
(not running, no draws left today, erased) answer 400 with the reason in Chinese and change nothing.
"""

from __future__ import annotations

import math

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.scans import customer_for_identity
from stores.models import HeadOffice
from surfaces.h5 import visitor
from wechat.identity import request_identity

from .display import coupon_value_text
from .draws import draw_make, draws_left
from .errors import PromotionError
from .models import Activity, Draw, Prize
from .selectors import activity_public

WHEEL_RADIUS = 96
MIN_SEGMENTS = 6
LABEL_CHARS = 5  # characters per line on a segment


def _page_url(activity) -> str:
    return reverse("promotions_h5:activity", args=[activity.pk])


def _label_lines(text: str) -> list[str]:
    text = text.strip()
    if len(text) <= LABEL_CHARS:
        return [text]
    return [text[:LABEL_CHARS], text[LABEL_CHARS:LABEL_CHARS * 2]]


def wheel_segments(prizes: list[Prize]) -> list[dict]:
    """The wheel's segments, equal in size: each prize followed by a "thanks" segment, at least
    six in all. Segment 0 is centred under the pointer; ``angle`` is a segment's centre, clockwise
    from the top. The segments are a picture: what is won is decided by the numbers (draws.py)."""
    labels = []
    for prize in prizes:
        labels.append((prize.pk, prize.name))
        labels.append((None, _("Thanks for playing")))
    while len(labels) < MIN_SEGMENTS:
        labels.append((None, _("Thanks for playing")))
    count, r = len(labels), WHEEL_RADIUS
    step = 360 / count
    segments = []
    for n, (prize_pk, label) in enumerate(labels):
        start, end = math.radians(n * step - step / 2 - 90), math.radians(n * step + step / 2 - 90)
        x0, y0, x1, y1 = r * math.cos(start), r * math.sin(start), r * math.cos(end), r * math.sin(end)
        segments.append({
            "index": n, "prize": prize_pk, "label": label, "lines": _label_lines(label), "angle": round(n * step, 3),
            "path": f"M0,0 L{x0:.3f},{y0:.3f} A{r},{r} 0 0,1 {x1:.3f},{y1:.3f} Z",
            "tone": "win" if prize_pk else ("a" if n % 4 == 1 else "b"),
        })
    return segments


def _prize_cards(prizes: list[Prize]) -> list[dict]:
    return [{"prize": p, "value": coupon_value_text(p.coupon_definition), "gone": p.stock_remaining == 0}
            for p in prizes]


def _result(draw: Draw, left: int) -> dict:
    """What the page says about a draw (also the JSON the script gets)."""
    prize_name = draw.prize.name if draw.prize_id else ""
    if draw.outcome == Draw.Outcome.WON:
        title = _("Congratulations! You won %(prize)s") % {"prize": prize_name}
        text = _("It is in My coupons: show it in the store.")
    elif draw.outcome == Draw.Outcome.OUT_OF_STOCK:
        title = _("Thanks for playing")
        text = _("%(prize)s has just run out. Better luck next time!") % {"prize": prize_name}
    elif draw.prize_id:
        title = _("Thanks for playing")
        text = _("You drew %(prize)s, but it could not be given: %(reason)s") % {
            "prize": prize_name, "reason": draw.reason}
    else:
        title = _("Thanks for playing")
        text = _("No prize this time. Better luck next time!")
    return {"draw": draw.pk, "outcome": draw.outcome, "won": draw.outcome == Draw.Outcome.WON,
            "prize": draw.prize_id if draw.outcome == Draw.Outcome.WON else None, "title": title, "text": text,
            "left": left, "left_text": _left_text(draw.activity, left), "coupons_url": reverse("promotions_h5:my_coupons")}


def _left_text(activity, left: int | None) -> str:
    if left is None:
        return _("Each person may draw %(n)d times a day.") % {"n": activity.draws_per_day}
    if left == 0:
        return _("You have used all of today's draws. Come back tomorrow!")
    return _("Draws left today: %(n)d") % {"n": left}


@never_cache
def h5_draw(request, activity, *, result: dict | None = None, error: str = "", status: int = 200):
    """The wheel (or the shake page) with the prizes, the visitor's draws left today, and after a
    plain form post the result or the refusal."""
    today = timezone.localdate()
    prizes = list(Prize.objects.filter(activity=activity).select_related("coupon_definition")
                  .order_by("position", "pk"))
    customer = visitor(request)
    left = draws_left(activity, customer, today=today) if customer is not None else None
    mine = (list(Draw.objects.filter(activity=activity, customer=customer, day=today)
                 .select_related("prize").order_by("-drawn_at", "-pk")[:10]) if customer is not None else [])
    running = activity.is_running(today)
    return render(request, "promotions/h5_draw.html", {
        "office": HeadOffice.current(), "page_title": activity.name, "activity": activity, "today": today,
        "running": running, "ended": activity.status == Activity.Status.ENDED or activity.ends_on < today,
        "segments": wheel_segments(prizes) if activity.kind == Activity.Kind.LUCKY_WHEEL else [],
        "prize_cards": _prize_cards(prizes), "left": left, "left_text": _left_text(activity, left),
        "may_draw": running and left != 0, "mine": mine, "result": result, "error": error,
        "is_shake": activity.kind == Activity.Kind.SHAKE,
    }, status=status)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _sign_in_first(request, activity):
    here = _page_url(activity)
    sign_in = f"{reverse('h5:sign_in')}?{urlencode({'next': here})}"
    if _wants_json(request):
        return JsonResponse({"redirect": sign_in}, status=401)
    return redirect(sign_in)


@require_POST
def h5_draw_make(request, pk):
    """Draw once. The script gets JSON (the result, or ``{"error"}`` with 400); a plain form the page."""
    activity = activity_public(pk)
    if activity is None or not activity.is_draw:
        if _wants_json(request):
            return JsonResponse({"error": _("This page is not available")}, status=404)
        return HttpResponse(status=404)
    identity = request_identity(request)
    if identity is None:
        return _sign_in_first(request, activity)
    customer, _created = customer_for_identity(identity)
    request._h5_customer = customer
    try:
        draw = draw_make(activity=activity, customer=customer)
    except PromotionError as exc:
        if _wants_json(request):
            left = draws_left(activity, customer)
            return JsonResponse({"error": str(exc), "left": left, "left_text": _left_text(activity, left)},
                                status=400)
        return h5_draw(request, activity, error=str(exc), status=400)
    result = _result(draw, draws_left(activity, customer))
    if _wants_json(request):
        return JsonResponse(result)
    return h5_draw(request, activity, result=result)


# /h5/... patterns of draws, added to promotions.urls.h5_urlpatterns.
h5_urlpatterns = [
    path("activities/<str:pk>/draw/", h5_draw_make, name="draw"),
]
