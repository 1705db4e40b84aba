from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user picked another language with the switch (a cookie).

    The browser's Accept-Language is ignored on purpose: staff phones and shop PCs are often set
    to English while the people using them read Chinese, and the product speaks Chinese by default.
    """

    def process_request(self, request):
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        translation.activate(chosen if chosen in supported else settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = translation.get_language()


def htmx_vary_middleware(get_response):
    """Pages answer an htmx request with a fragment and a plain one with the whole page, at the same
    address (``surfaces.views.is_htmx``). ``Vary: HX-Request`` keeps the browser's cache from
    serving the fragment as the page: without it, "back" to an address htmx pushed shows a bare
    table."""

    def middleware(request):
        response = get_response(request)
        if request.method in ("GET", "HEAD"):
            patch_vary_headers(response, ("HX-Request",))
        return response

    return middleware
