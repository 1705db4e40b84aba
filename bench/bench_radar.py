"""What the interaction radar (QR-9) costs the scan path: the same ``/q/<token>`` load with the
radar off and on, in the same run, on the same database.

Two gunicorns (3 workers each) serve the product on PostgreSQL, one with ``RADAR_ENABLED=0`` and
one with ``RADAR_ENABLED=1``; wrk drives them in turn (5 rounds of off and on, 32 connections; the
ratio is the median of the rounds', so load from elsewhere that comes and goes hits both sides), a known
customer *owned by an assistant with bound WeChat* scanning 100 different codes, outside quiet
hours, so every scan writes a radar entry and asks for the reminder turn (which the process
remembers for a minute once the database said no). Goal: the scan's time per request with the
radar <= 1.1x without it (ratio = requests/s off / requests/s on, per round). Radar entries stored must equal
the 302s the "on" server answered, and exactly one reminder is queued.
"""

import os
import subprocess
import tempfile
import time
from datetime import time as clock

from django.db import connection

from bench.bench_scan import CONNECTIONS, _count, _free_port, _identity_cookie, _spread_script, _start_gunicorn, _wrk
from bench.harness import Result
from customers.models import Customer, RadarEvent
from stores.models import HeadOffice, Role, Staff, Store
from stores.services import qr_code_create
from wechat.models import Message

GOAL = "<=1.1"


def _start(port: int, access_log: str, radar: bool) -> subprocess.Popen:
    # the one reminder's send goes nowhere fast instead of to a fake server that is not running
    return _start_gunicorn(port, access_log, RADAR_ENABLED="1" if radar else "0", WECHAT_API_BASE="http://127.0.0.1:9/")


def run(scale: float):
    import shutil

    if connection.vendor != "postgresql":
        return Result("radar_scan_overhead", 0, GOAL, skipped="needs PostgreSQL: set DATABASE_URL")
    if not shutil.which("wrk"):
        return Result("radar_scan_overhead", 0, GOAL, skipped="needs wrk (apt-get install wrk)")
    import random

    from demo.seed import seed_organisation

    seed_organisation(random.Random(1))
    HeadOffice.objects.update(radar_quiet_from=clock(0), radar_quiet_until=clock(0), radar_remind_minutes=30)
    store = Store.objects.get(code="sh-xuhui")
    assistant = Staff.objects.filter(store=store, role=Role.ASSISTANT, is_active=True).order_by("pk").first()
    Staff.objects.filter(pk=assistant.pk).update(wechat_openid="o-bench-assistant")
    codes = [qr_code_create(target=store, label=f"海报 {n}") for n in range(100)]
    customer = Customer.objects.create(openid="o-bench", store=store, owner_assistant=assistant, name="压测客户")
    cookie = _identity_cookie(customer.openid)
    seconds = max(int(4 * scale), 2)
    rounds = 5

    workdir = tempfile.mkdtemp(prefix="bench-radar-")
    script = _spread_script(workdir, codes)
    logs = {flag: os.path.join(workdir, f"access-{flag}.log") for flag in ("off", "on")}
    ports = {flag: _free_port() for flag in ("off", "on")}
    servers = {flag: _start(ports[flag], logs[flag], radar=flag == "on") for flag in ("off", "on")}
    runs = {"off": [], "on": []}
    try:
        for flag in ("off", "on"):  # warm up connections, code caches and the radar's rules
            _wrk(f"http://127.0.0.1:{ports[flag]}/", 2, cookie, script)
        time.sleep(1)
        RadarEvent.objects.all().delete()
        for flag in logs:
            open(logs[flag], "w").close()
        for n in range(rounds):  # pairs next to each other in time, the order swapped each round
            for flag in (("off", "on") if n % 2 == 0 else ("on", "off")):
                runs[flag].append(_wrk(f"http://127.0.0.1:{ports[flag]}/", seconds, cookie, script))
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=30)
    served_on, served_off = _count(logs["on"], "/q/"), _count(logs["off"], "/q/")
    entries = RadarEvent.objects.count()
    reminders = Message.objects.filter(key__startswith="radar:").count()
    exact = entries == served_on
    import statistics

    # The median of the rounds' ratios: a neighbour's load that comes and goes hits both sides of a pair.
    pairs = [a["rps"] / b["rps"] for a, b in zip(runs["off"], runs["on"]) if a["rps"] and b["rps"]]
    ratio = statistics.median(pairs) if pairs else 99.0  # a stalled machine answers nothing: no verdict
    figures = {
        "duration per run": f"{seconds}s, {rounds} rounds of off and on, {CONNECTIONS} connections, gunicorn 3 workers",
        "scan, radar off": " / ".join(f"{r['rps']:,.0f}" for r in runs["off"]) + " req/s",
        "scan, radar on": " / ".join(f"{r['rps']:,.0f}" for r in runs["on"]) + " req/s",
        "time per scan, on / off (median of rounds)": f"{ratio:.3f}x ({(ratio - 1) * 100:+.1f}%)",
        "radar entries vs 302s of the 'on' server":
            f"{entries:,} vs {served_on:,} ({'exact' if exact else 'MISMATCH'})",
        "302s of the 'off' server (no entries)": f"{served_off:,}",
        "reminders queued (one customer, 30-min interval)": str(reminders),
        "non-2xx/3xx responses": str(sum(r["bad"] for rs in runs.values() for r in rs)),
    }
    return Result("radar_scan_overhead", ratio if exact and reminders <= 1 else 99.0, GOAL, figures)
