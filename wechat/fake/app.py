"""Routing: which handler answers a request, with faults, token checks and counters around it."""

import sys
import time
import traceback

from . import control, mp, wecom
from .codes import MP, WECOM, ApiError, errmsg
from .state import Config, FakeState
from .wire import Request, Response

_REALM_OF_TABLE = {id(mp.ROUTES): MP, id(wecom.ROUTES): WECOM}


class FakeApp:
    """WeChat's and WeCom's HTTP APIs over one ``FakeState``; no sockets (see ``server``)."""

    def __init__(self, config: Config | None = None):
        self.state = FakeState(config)

    def handle(self, method: str, target: str, body: bytes = b"") -> Response:
        req = Request.build(method, target, body)
        if req.path.startswith("/_fake/"):
            return control.handle(self.state, req)

        # WeCom may be reached under /wecom/ (WECOM_API_BASE=http://host:port/wecom/) or at the
        # root next to WeChat: the two share no path the fake serves.
        if req.path.startswith(control.WECOM_PREFIX + "/"):
            req.path = control.normalize_path(req.path)
            tables = (wecom.ROUTES,)
        else:
            tables = (mp.ROUTES, wecom.ROUTES)
        for table in tables:
            route = table.get((method, req.path))
            if route:
                break
        else:
            return Response.text(f"the fake does not serve {method} {req.path}", 404)
        table_realm = _REALM_OF_TABLE[id(table)]
        realm, handler = route
        state = self.state

        with state.lock:
            state.calls[req.path] += 1
            fault = state.take_fault(req.path) if state.faults else None
            generation = state.generation
        if fault:
            if fault.delay:
                time.sleep(fault.delay)
                if state.generation != generation:  # reset meanwhile: leave the new state alone
                    return Response.text("the fake was reset during this request", 503)
            if fault.status:
                return Response(fault.status, f"<html><body>{fault.status} (injected)</body></html>".encode(),
                                "text/html; charset=utf-8")
            if fault.errcode is not None:
                with state.lock:
                    return self._error(table_realm, ApiError(fault.errcode, fault.errmsg))

        try:
            with state.lock:
                if realm:
                    state.check_token(realm, req.query.get("access_token"))
                result = handler(state, req)
        except ApiError as exc:
            with state.lock:
                return self._error(table_realm, exc)
        except Exception:  # a bug in the fake: say so loudly rather than imitate WeChat
            traceback.print_exc(file=sys.stderr)
            return Response.text(traceback.format_exc(), 500)
        return result if isinstance(result, Response) else Response.json(result)

    def _error(self, realm: str, exc: ApiError) -> Response:
        message = exc.errmsg or errmsg(realm, exc.errcode)
        return Response.json({"errcode": exc.errcode, "errmsg": f"{message} rid: {self.state.rid()}"})
