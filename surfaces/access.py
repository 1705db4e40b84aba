"""Who may open which surface. Rows inside a surface are still filtered by the data scope."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from stores.scope import Level, scope_of

DASHBOARD_LEVELS = {Level.ALL, Level.REGION, Level.STORE}
WORKBENCH_LEVELS = {Level.ALL, Level.REGION, Level.STORE, Level.OWN, Level.PARTNER}


def surface_required(levels, login_url, elsewhere):
    """Signed-in users whose scope level is in ``levels``; others go to ``elsewhere``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url)
            if scope_of(request.user).level not in levels:
                return redirect(elsewhere)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


dashboard_required = surface_required(DASHBOARD_LEVELS, "surfaces:login", "workbench:home")
workbench_required = surface_required(WORKBENCH_LEVELS, "workbench:login", "surfaces:no_access")


def home_url_for(user) -> str:
    """Where a user lands after signing in: managers and up on the dashboard, the floor on the phone."""
    level = scope_of(user).level
    if level in DASHBOARD_LEVELS:
        return "dashboard:home"
    if level in WORKBENCH_LEVELS:
        return "workbench:home"
    return "surfaces:no_access"
