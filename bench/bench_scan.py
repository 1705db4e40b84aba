"""The scan endpoint under load: gunicorn on PostgreSQL, driven by wrk over loopback.

Three runs of the same length and concurrency (32 connections):
* baseline — a bare Django view doing one INSERT of the same scan row (bench/urls.py);
* spread   — the real ``/q/<token>`` path, a known customer scanning 100 different codes;
* hot      — the same, every request on ONE code (a viral poster).
Goals: spread >= 0.7x the baseline's requests/s; hot >= 0.8x spread (no hot row); p99 <= 50 ms.
Stored scan events must equal the 302 responses gunicorn served (counted from its access log).
Queries per scan for a known customer: 3 (code by token, customer by openid, INSERT) — asserted in
tests/customers/test_scan.py.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.core import signing
from django.db import connection

from bench.harness import Result
from customers.models import Customer, ScanEvent
from stores.models import Store
from stores.services import qr_code_create
from wechat.identity import COOKIE, COOKIE_SALT

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _identity_cookie(openid: str) -> str:
    """The ``Cookie`` header of a WeChat user OAuth has signed in (as ``wechat.identity`` sets it)."""
    return f"{COOKIE}={signing.get_cookie_signer(salt=COOKIE + COOKIE_SALT).sign(f'{openid}|')}"


def _spread_script(workdir: str, codes) -> str:
    """A wrk script that scans ``codes`` in turn; returns its path."""
    script = os.path.join(workdir, "spread.lua")
    tokens = ", ".join(f'"{c.token}"' for c in codes)
    with open(script, "w") as handle:
        handle.write(f"local tokens = {{{tokens}}}\nlocal i = 0\n"
                     "request = function()\n  i = i + 1\n"
                     "  return wrk.format(\"GET\", \"/q/\" .. tokens[(i % #tokens) + 1])\nend\n")
    return script


def _start_gunicorn(port: int, access_log: str, **extra_env: str) -> subprocess.Popen:
    """The product under gunicorn (3 workers) on the bench database; ``extra_env`` adds settings."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": _database_url(),
           "REDIS_URL": "", "DEBUG": "0", **extra_env}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "3", "--access-logfile", access_log, "--access-logformat", '%(U)s %(s)s',
         "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start: " + process.stderr.read().decode()[-2000:])


def _wrk(url: str, seconds: int, cookie: str, script: str | None = None) -> dict:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "-H", f"Cookie: {cookie}",
               "-H", "User-Agent: MicroMessenger bench"]
    if script:
        command += ["-s", script]
    out = subprocess.run([*command, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": p99_ms, "total": total, "bad": int(errors.group(1)) if errors else 0}


def _count(log: str, prefix: str) -> int:
    with open(log) as handle:
        return sum(1 for line in handle if line.startswith(prefix) and line.rstrip().endswith(" 302"))


def run(scale: float):
    names = ("scan", "scan_hot_vs_spread", "scan_p99")
    if connection.vendor != "postgresql":
        return [Result(n, 0, g, skipped="needs PostgreSQL: set DATABASE_URL") for n, g in
                zip(names, (">=0.7", ">=0.8", "<=50"))]
    if not shutil.which("wrk"):
        return [Result(n, 0, g, skipped="needs wrk (apt-get install wrk)") for n, g in
                zip(names, (">=0.7", ">=0.8", "<=50"))]
    from demo.seed import seed_organisation
    import random

    seed_organisation(random.Random(1))
    store = Store.objects.get(code="sh-xuhui")
    codes = [qr_code_create(target=store, label=f"海报 {n}") for n in range(100)]
    customer = Customer.objects.create(openid="o-bench", store=store, name="压测客户")
    cookie = _identity_cookie(customer.openid)
    seconds = max(int(10 * scale), 3)

    workdir = tempfile.mkdtemp(prefix="bench-scan-")
    script = _spread_script(workdir, codes)
    log = os.path.join(workdir, "access.log")
    port = _free_port()
    server = _start_gunicorn(port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wrk(f"{base}/q/{codes[0].token}", 2, cookie)  # warm up connections and caches
        time.sleep(1)  # let requests cut off at the end of the warm-up finish before counting
        before = ScanEvent.objects.count()
        open(log, "w").close()
        baseline = _wrk(f"{base}/bench/bare-scan/{codes[0].pk}/{customer.pk}", seconds, cookie)
        spread = _wrk(base + "/", seconds, cookie, script)
        hot = _wrk(f"{base}/q/{codes[0].token}", seconds, cookie)
    finally:
        server.terminate()
        server.wait(timeout=30)
    served = _count(log, "/q/")
    bare = _count(log, "/bench/")
    stored = ScanEvent.objects.count() - before
    exact = stored == served + bare
    figures = {
        "duration per run": f"{seconds}s, {CONNECTIONS} connections, gunicorn 3 workers",
        "baseline (bare INSERT view)": f"{baseline['rps']:,.0f} req/s, p99 {baseline['p99_ms']:.1f} ms",
        "scan, 100 codes": f"{spread['rps']:,.0f} req/s, p99 {spread['p99_ms']:.1f} ms",
        "scan, one code": f"{hot['rps']:,.0f} req/s, p99 {hot['p99_ms']:.1f} ms",
        "queries per scan": "3 (code, customer, INSERT)",
        "scan events stored vs 302s served": f"{stored:,} vs {served + bare:,} ({'exact' if exact else 'MISMATCH'})",
        "non-2xx/3xx responses": str(spread["bad"] + hot["bad"] + baseline["bad"]),
    }
    ratio = spread["rps"] / baseline["rps"]
    worst_p99 = max(spread["p99_ms"], hot["p99_ms"])
    return [
        Result("scan", ratio if exact else 0.0, ">=0.7", figures),
        Result("scan_hot_vs_spread", hot["rps"] / spread["rps"], ">=0.8"),
        Result("scan_p99", worst_p99, "<=50", {"worst p99 of the scan runs": f"{worst_p99:.1f} ms"}),
    ]
