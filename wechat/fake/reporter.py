"""Delivery reports: after a template message is sent, WeChat POSTs TEMPLATESENDJOBFINISH to the
account's callback URL. The fake does the same from one background thread, so the send answers
at once and reports follow within milliseconds, in order, as signed (or encrypted) callbacks.

Like WeChat, a report that gets no answer is tried three times in all; one that our callback
refuses (4xx/5xx) is counted as rejected. Reports queued before ``/_fake/reset`` are dropped.
"""

import http.client
import logging
import queue
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

ATTEMPTS = 3
TIMEOUT = 5.0  # WeChat waits five seconds for the callback's answer


@dataclass(frozen=True)
class Report:
    generation: int
    url: str
    token: str
    aes_key: str
    app_id: str
    openid: str
    msgid: int
    status: str
    create_time: int


class Reporter:
    def __init__(self, state):
        self.state = state
        self.queue: queue.Queue[Report | None] = queue.Queue()
        self.reset_counts()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None
        self._target: tuple | None = None

    def reset_counts(self) -> None:
        self.counts = {"queued": 0, "delivered": 0, "rejected": 0, "failed": 0, "dropped": 0}

    # --- called by the send handler (under the state lock: no I/O here) ------------------------
    def submit(self, *, openid: str, msgid: int, status: str) -> None:
        config = self.state.config
        report = Report(self.state.generation, config.callback_url, config.callback_token, config.callback_aes_key,
                        config.app_id, openid, msgid, status, int(self.state.now()))
        self.counts["queued"] += 1
        self._ensure_thread()
        self.queue.put(report)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            with self._start_lock:
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(target=self._run, name="fake-wechat-reports", daemon=True)
                    self._thread.start()

    # --- helpers for tests -----------------------------------------------------------------------
    def wait(self, timeout: float = 10.0) -> bool:
        """True once every queued report was posted (or given up on)."""
        deadline = time.monotonic() + timeout
        while self.queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def stop(self) -> None:
        if self._thread and self._thread.is_alive():
            self.queue.put(None)
            self._thread.join(timeout=TIMEOUT * ATTEMPTS + 1)

    # --- the background thread ---------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            report = self.queue.get()
            try:
                if report is None:
                    self._close()
                    return
                if report.generation != self.state.generation:
                    self.counts["dropped"] += 1  # the fake was reset since the send
                    continue
                self.counts[self._post(report)] += 1
            except Exception:  # noqa: BLE001 - a bug here must not stop later reports
                logger.exception("fake WeChat could not post a delivery report")
                self.counts["failed"] += 1
            finally:
                if self.queue.empty():
                    # Idle: do not hold a connection (and the callback server's thread) open.
                    self._close()
                self.queue.task_done()

    def _post(self, report: Report) -> str:
        from . import events

        xml = events.template_send_job_finish(openid=report.openid, msgid=report.msgid, status=report.status,
                                              create_time=report.create_time)
        # The signature's timestamp is the real time (our callback refuses stale ones), even when
        # a test moved the fake's clock.
        signed = events.sign_official_account(xml, token=report.token, aes_key=report.aes_key or None,
                                              app_id=report.app_id, openid=report.openid,
                                              timestamp=str(int(time.time())))
        parts = urlsplit(report.url)
        target = signed.url(parts.path or "/") if not parts.query else signed.url(f"{parts.path}?{parts.query}")
        for attempt in range(ATTEMPTS):
            try:
                connection = self._connect(parts)
                connection.request("POST", target, body=signed.body, headers={"Content-Type": "text/xml"})
                response = connection.getresponse()
                response.read()
                if response.will_close:
                    self._close()
                return "delivered" if 200 <= response.status < 300 else "rejected"
            except (OSError, http.client.HTTPException):
                self._close()
                if attempt + 1 < ATTEMPTS:
                    time.sleep(0.2 * (attempt + 1))
        return "failed"

    def _connect(self, parts) -> http.client.HTTPConnection:
        target = (parts.scheme, parts.hostname, parts.port)
        if self._connection is None or self._target != target:
            self._close()
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            self._connection, self._target = cls(parts.hostname, parts.port, timeout=TIMEOUT), target
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
        self._connection = None
