"""The fake on a real socket: ``ThreadingHTTPServer``, HTTP/1.1 keep-alive, one write per response."""

import sys
import threading
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import FakeApp
from .codes import ApiError
from .state import Config, Fault

REASONS = {200: "OK", 302: "Found", 400: "Bad Request", 404: "Not Found"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: requests' session reuses one connection
    server_version = "FakeWeChat/1.0"
    disable_nagle_algorithm = True
    timeout = 120  # an idle keep-alive connection is closed after this many seconds

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        response = self.server.app.handle(method, self.path, body)
        head = [
            f"HTTP/1.1 {response.status} {REASONS.get(response.status, 'Error')}",
            f"Content-Type: {response.content_type}",
            f"Content-Length: {len(response.body)}",
        ]
        head += [f"{name}: {value}" for name, value in response.headers.items()]
        if self.close_connection:
            head.append("Connection: close")
        # Headers and body in one write: two small writes on a keep-alive connection would meet
        # the peer's delayed ACK and cost ~40 ms each.
        self.wfile.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.body)

    def log_message(self, format, *args):  # noqa: A002 - quiet: thousands of requests a second
        pass


class FakeWeChat(ThreadingHTTPServer):
    """A running fake. ``FakeWeChat.start(port=0)`` serves from a background thread; ``.stop()`` ends it.

    The helper methods act on the state directly (in process); the same operations exist over
    HTTP under ``/_fake/`` for a fake running in another process.
    """

    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that gave up (timeout tests) leaves a broken pipe behind: not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def __init__(self, address: tuple[str, int], config: Config | None = None):
        super().__init__(address, Handler)
        self.app = FakeApp(config)
        self._thread: threading.Thread | None = None

    @classmethod
    def start(cls, port: int = 0, host: str = "127.0.0.1", **config) -> "FakeWeChat":
        server = cls((host, port), Config(**config))
        server._thread = threading.Thread(target=server.serve_forever, name="fake-wechat", daemon=True)
        server._thread.start()
        return server

    def stop(self) -> None:
        self.state.reporter.stop()
        self.shutdown()
        self.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    @property
    def state(self):
        return self.app.state

    # --- in-process helpers (same as the /_fake/ endpoints) --------------------------------
    def add_user(self, **values) -> dict:
        with self.state.lock:
            try:
                return dict(self.state.make_user(**values))
            except ApiError as exc:
                raise ValueError(exc.errmsg) from None

    def add_fault(self, path: str, *, errcode: int | None = None, errmsg: str | None = None,
                  status: int | None = None, delay: float = 0.0, times: int = 1) -> None:
        from .control import normalize_path

        with self.state.lock:
            self.state.add_fault(path if path == "*" else normalize_path(path),
                                 Fault(errcode, errmsg, status, delay, times))

    def messages(self, touser: str | None = None, kind: str | None = None) -> list[dict]:
        with self.state.lock:
            return self.state.list_messages(touser, kind)

    def stats(self) -> dict:
        with self.state.lock:
            return self.state.stats()

    def configure(self, **values) -> dict:
        with self.state.lock:
            self.state.config.update(values)
            return asdict(self.state.config)

    def advance_clock(self, seconds: float) -> None:
        with self.state.lock:
            self.state.clock_offset += seconds

    def reset(self) -> None:
        with self.state.lock:
            self.state.reset()

    def wait_for_reports(self, timeout: float = 10.0) -> bool:
        """True once every delivery report queued so far was posted (see ``Config.callback_url``)."""
        return self.state.reporter.wait(timeout)
