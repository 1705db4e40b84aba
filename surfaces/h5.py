"""The customer H5 pages (inside WeChat, no sign-in): the digital store (ORG-4), share with family
(QR-6), favourites and recently viewed (QR-7).

The visitor is whoever ``wechat.identity.request_identity`` says (a signed cookie left by OAuth);
pages never force OAuth, so they open fast and anywhere. An identified customer's visit to a
content page is recorded for their assistant's trail (CUS-6). Writes go through the services in
``customers.shares`` and ``customers.favourites``; these views only read input and render.
"""

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.errors import CustomerError
from customers.favourites import favourite_set, favourites_list, is_favourite
from customers.households import household_consented, household_join, household_join_refusal, sharer_shown_as
from customers.identity import customer_of_identity
from customers.models import Customer, PageType
from customers.pages import PageNotFound, page_key, page_url, page_view_record, public_pages, recent_views
from customers.scans import customer_for_identity
from customers.shares import share_by_token, share_create, share_open_record
from stores.models import CasePicture, EffectPicture, HeadOffice, QRCode, Role, Store
from wechat.identity import needs_oauth, oauth_authorize_url, request_identity

from .views import is_htmx

TEAM_ROLES = [Role.STORE_MANAGER, Role.DESIGNER, Role.ASSISTANT]


# --- Who is looking -------------------------------------------------------------------------------


def visitor(request) -> Customer | None:
    """The customer behind the request's WeChat identity, if we know them (no row is created)."""
    if not hasattr(request, "_h5_customer"):
        identity = request_identity(request)
        request._h5_customer = customer_of_identity(identity)  # also an openid merged into another (CUS-12)
    return request._h5_customer


def _identified_customer(request) -> Customer | None:
    """The visitor as a customer, created on first sight when WeChat told us who they are."""
    identity = request_identity(request)
    if identity is None:
        return None
    customer = visitor(request)
    if customer is None:
        customer, _created = customer_for_identity(identity)
        request._h5_customer = customer
    return customer


def _plain(value: str, max_length: int) -> bool:
    """Whether a natural key from the URL can be one (PostgreSQL refuses NUL in a query)."""
    return 0 < len(value) <= max_length and "\x00" not in value


def _local_url(request, url: str | None, default: str) -> str:
    """``url`` if it is a path on this site (never another host: no open redirect), else ``default``."""
    if url and url.startswith("/") and _plain(url, 500) and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return default


def _message(request, status: int, title: str, text: str = "", action_url: str = "", action: str = ""):
    """A friendly page for whatever went wrong: never an error screen inside WeChat."""
    return render(request, "h5/message.html", {
        "office": HeadOffice.current(), "page_title": title, "title": title, "text": text,
        "action_url": action_url or reverse("h5:home"), "action": action or _("See our stores"),
        "icon": "warn" if status >= 400 else "info",
    }, status=status)


def _not_found(request):
    return _message(request, 404, _("This page is not available"),
                    _("It may have been withdrawn. Our stores are still happy to see you."))


def _family_offer(request, customer: Customer | None):
    """The share a family member arrived through (``?family=<token>``, set by ``share_open``) when
    they may join the sharer's household now: the sharer agreed, they are not in one (CUS-12)."""
    token = request.GET.get("family", "")
    if customer is None or not token:
        return None
    share = share_by_token(token)
    if share is None or household_join_refusal(member=customer, share=share) is not None:
        return None
    return share


def _content_page(request, template: str, page_type: str, page, context: dict):
    """Render a page a customer can favourite and share, and record the visit of a known customer."""
    customer = visitor(request)
    if customer is not None:
        page_view_record(customer=customer, page_type=page_type, page_id=page.pk)
    context.update({
        "office": HeadOffice.current(), "page_type": page_type, "page": page,
        "visitor_known": request_identity(request) is not None,
        "favourited": is_favourite(customer=customer, page_type=page_type, page_id=page.pk),
        "here": request.get_full_path(), "family_offer": _family_offer(request, customer),
    })
    if context["family_offer"] is not None:
        context["family_offer_name"] = sharer_shown_as(context["family_offer"].sharer)
    return render(request, template, context)


def _cases_with_pictures(queryset):
    return queryset.select_related("style").prefetch_related(
        Prefetch("pictures", queryset=CasePicture.objects.order_by("position", "id")))


def _staff_codes(staff_ids) -> dict[int, str]:
    """The tokens of the active staff codes of these staff (their cards live at the code's token)."""
    codes = QRCode.objects.filter(target_type=QRCode.TargetType.STAFF, staff_id__in=staff_ids, is_active=True)
    return {staff_id: token for staff_id, token in codes.order_by("-pk").values_list("staff_id", "token")}


# --- Pages ----------------------------------------------------------------------------------------


def h5_home(request):
    stores = Store.objects.filter(is_active=True).select_related("region").order_by("city", "code")
    return render(request, "h5/home.html", {"office": HeadOffice.current(), "stores": stores})


def h5_store(request, code):
    store = Store.objects.filter(code=code, is_active=True).first() if _plain(code, 20) else None
    if store is None:
        return _not_found(request)
    team = sorted(store.staff.filter(is_active=True, role__in=TEAM_ROLES),
                  key=lambda s: (TEAM_ROLES.index(s.role), s.job_number))
    solutions = (public_pages(PageType.SOLUTION).filter(Q(store__isnull=True) | Q(store=store))
                 .select_related("style")[:12])
    cases = _cases_with_pictures(public_pages(PageType.CASE).filter(store=store))[:6]
    cards = _staff_codes([s.pk for s in team])
    return _content_page(request, "h5/store.html", PageType.STORE, store, {
        "store": store, "team": [(s, cards.get(s.pk)) for s in team], "solutions": solutions,
        "cases": cases, "page_title": store.name or _("Store"),
    })


def _code_or_404(token, target_type):
    return get_object_or_404(QRCode.objects.select_related("store", "staff__store"), token=token,
                             target_type=target_type, is_active=True)


def h5_wifi(request, token):
    code = _code_or_404(token, "wifi")
    return render(request, "h5/wifi.html", {"office": HeadOffice.current(), "store": code.store,
                                            "page_title": _("Store Wi-Fi")})


def h5_staff_card(request, token):
    code = _code_or_404(token, "staff")
    staff = code.staff
    context = {"office": HeadOffice.current(), "staff": staff if staff.is_active else None, "store": code.store,
               "page_title": staff.name if staff.is_active else code.store.name}
    return render(request, "h5/staff_card.html", context)


def h5_product(request, sku):
    """A product with its effect pictures, one per style, switchable on the phone (QR-5)."""
    product = public_pages(PageType.PRODUCT).filter(sku=sku).first() if _plain(sku, 40) else None
    if product is None:
        return _not_found(request)
    pictures = list(product.effect_pictures.select_related("style"))
    wanted = request.GET.get("style", "")
    selected = next((p for p in pictures if str(p.style_id) == wanted), pictures[0] if pictures else None)
    solutions = public_pages(PageType.SOLUTION).filter(products=product).select_related("style")[:6]
    return _content_page(request, "h5/product.html", PageType.PRODUCT, product, {
        "product": product, "pictures": pictures, "selected": selected, "solutions": solutions,
        "page_title": product.name,
    })


def h5_solution(request, pk):
    key = page_key(PageType.SOLUTION, pk)
    solution = public_pages(PageType.SOLUTION).select_related("style", "store").filter(pk=key[1]).first() \
        if key else None
    if solution is None:
        return _not_found(request)
    products = list(solution.products.filter(is_active=True).order_by("category", "sku"))
    # Each product pictured in the solution's own style, where head office has that picture.
    looks = {}
    if solution.style_id:
        looks = {p.product_id: p for p in EffectPicture.objects.filter(product__in=products, style_id=solution.style_id)
                 .exclude(image="")}
    items = [(product, looks.get(product.pk)) for product in products]
    cases = _cases_with_pictures(public_pages(PageType.CASE).filter(solution=solution))[:6]
    return _content_page(request, "h5/solution.html", PageType.SOLUTION, solution, {
        "solution": solution, "items": items, "cases": cases, "page_title": solution.name,
    })


def h5_case(request, pk):
    key = page_key(PageType.CASE, pk)
    case = (public_pages(PageType.CASE).select_related("store", "style", "solution", "designer").filter(pk=key[1])
            .first()) if key else None
    if case is None:
        return _not_found(request)
    solution = case.solution if case.solution and case.solution.is_active else None  # published only
    designer = case.designer if case.designer and case.designer.is_active else None
    return _content_page(request, "h5/case.html", PageType.CASE, case, {
        "case": case, "pictures": case.pictures.order_by("position", "id"),
        "products": case.products.filter(is_active=True).order_by("category", "sku"),
        "solutions": [solution] if solution else [],
        "designer": designer, "designer_card": _staff_codes([designer.pk]).get(designer.pk) if designer else None,
        "page_title": case.title,
    })


# --- Mine: favourites and recently viewed (QR-7) -----------------------------------------------------


def _listed(rows):
    return [{"type": t, "page": page, "url": page_url(t, page), "at": at} for t, page, at in rows]


@never_cache
def h5_me(request):
    """"我的": what the customer kept and what they looked at, to come back to after the visit."""
    if request_identity(request) is None:
        return h5_sign_in(request, next_url=request.get_full_path())
    customer = visitor(request)
    tab = "recent" if request.GET.get("tab") == "recent" else "favourites"
    favourites = _listed(favourites_list(customer=customer)) if customer else []
    recent = _listed(recent_views(customer=customer)) if customer else []
    return render(request, "h5/me.html", {
        "office": HeadOffice.current(), "page_title": _("My favourites"), "tab": tab,
        "favourites": favourites, "recent": recent,
    })


@never_cache
def h5_sign_in(request, next_url: str | None = None):
    """Learn who the visitor is (silent WeChat OAuth), then go back to ``next``. Outside WeChat,
    where nobody can tell us, say so kindly."""
    next_url = _local_url(request, next_url or request.GET.get("next"), reverse("h5:me"))
    if request_identity(request) is not None:
        return redirect(next_url)
    if needs_oauth(request):
        return redirect(oauth_authorize_url(request, next_url))
    return _message(request, 200, _("Please open this page in WeChat"),
                    _("Favourites are kept with your WeChat account, so we need WeChat to know it is you."),
                    action_url=next_url, action=_("Back"))


@require_POST
def h5_favourite(request):
    """Keep or drop a page (htmx: answers with the button; without JavaScript: back to the page)."""
    key = page_key(request.POST.get("type", ""), request.POST.get("id", ""))
    if key is None or request.POST.get("on") not in ("0", "1"):
        return _message(request, 400, _("Something was wrong with that request"))
    here = _local_url(request, request.POST.get("next"), reverse("h5:home"))
    customer = _identified_customer(request)
    if customer is None:
        sign_in = f"{reverse('h5:sign_in')}?{urlencode({'next': here})}"
        if is_htmx(request):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = sign_in
            return response
        return redirect(sign_in)
    try:
        on = favourite_set(customer=customer, page_type=key[0], page_id=key[1], on=request.POST["on"] == "1")
    except PageNotFound:
        return _not_found(request)
    if not is_htmx(request):
        return redirect(here)
    return render(request, "h5/partials/favourite_button.html", {
        "page_type": key[0], "page": {"pk": key[1]}, "favourited": on, "visitor_known": True, "here": here,
    })


# --- Share with family (QR-6) --------------------------------------------------------------------


def share_url(share) -> str:
    return settings.PUBLIC_BASE_URL + reverse("share_open", args=[share.token])


@require_POST
def h5_share(request):
    """Make (or reuse) the visitor's share link to a page: htmx gets the share sheet, a browser
    without JavaScript a page with the link."""
    key = page_key(request.POST.get("type", ""), request.POST.get("id", ""))
    if key is None:
        return _message(request, 400, _("Something was wrong with that request"))
    try:
        share = share_create(sharer=_identified_customer(request), page_type=key[0], page_id=key[1])
    except PageNotFound:
        return _not_found(request)
    context = {"office": HeadOffice.current(), "share": share, "url": share_url(share),
               "path": reverse("share_open", args=[share.token]), "page_title": _("Share with family"),
               "back": _local_url(request, request.POST.get("next"), reverse("h5:home"))}
    template = "h5/partials/share_sheet.html" if is_htmx(request) else "h5/share.html"
    return render(request, template, context)


@never_cache
def share_open(request, token: str):
    """``/s/<token>``: a family member opens a shared page. Known in WeChat (OAuth first, as for a
    scan), recorded, attributed through the sharer, then shown the page."""
    share = share_by_token(token)
    if share is None:
        return _message(request, 404, _("We could not open this link"),
                        _("It may be incomplete. Ask the person who sent it to share it again."))
    if needs_oauth(request):
        return redirect(oauth_authorize_url(request, request.get_full_path()))
    share_open_record(share=share, identity=request_identity(request),
                      user_agent=request.headers.get("User-Agent", ""))
    page = public_pages(share.page_type).filter(pk=share.page_id).first()
    if page is None:
        return _message(request, 410, _("This page is no longer available"),
                        _("What was shared with you has been withdrawn. Our stores are still happy to see you."))
    # A family member may be offered to join the sharer's household on the page (CUS-12), when the
    # sharer agreed to link family members.
    if share.sharer is not None and household_consented(share.sharer):
        return redirect(f"{page_url(share.page_type, page)}?{urlencode({'family': share.token})}")
    return redirect(page_url(share.page_type, page))


@require_POST
def h5_household_join(request):
    """The family member taps "join": linked to the sharer's household when the sharer agreed."""
    share = share_by_token(request.POST.get("family", ""))
    customer = visitor(request)
    if share is None or customer is None:
        return _message(request, 400, _("We could not open this link"),
                        _("It may be incomplete. Ask the person who sent it to share it again."))
    try:
        household_join(member=customer, share=share)
    except CustomerError as refused:
        return _message(request, 400, _("You could not join this household"), str(refused))
    page = public_pages(share.page_type).filter(pk=share.page_id).first()
    return _message(request, 200, _("You joined the family"),
                    _("The store will look after your home together with your family."),
                    action_url=page_url(share.page_type, page) if page else "", action=_("Back to the page"))
