"""The customer lists and detail pages at 1,000 and at 1,000,000 customers (issue 4).

On PostgreSQL: the demo organisation (12 stores, 48 assistants) with 1,000 customers (orders,
first scans, attribution history from ``demo.seed.seed_customers``; a third of them tagged and
a fifth with a planned follow-up), then the same topped up to 1,000,000 (``BENCH_SCALE`` scales
the big size) with the COPY loader. At both sizes, through the Django test client with the demo
users signed in, each page is requested a few times and its median time and query count kept:

* the assistant's "my customers" in the workbench: first page, a "load more" page, a filtered
  page (grades A and B, sorted by next follow-up) and "due today";
* the manager's customer list on the dashboard, newest first and grade A by next follow-up;
* a customer's detail: the workbench customer page (overview tab) and the dashboard detail.

Goals: every page runs the same number of queries at both sizes; the "my customers" pages
and the dashboard list answer within 3x their time at 1,000 (ratio = the worst of them, lower
is better). The detail pages' ratios are printed as figures.
"""

from __future__ import annotations

import random
import statistics
import time
from urllib.parse import urlencode

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.harness import Result
from common.bulk import bulk_insert
from customers.models import Customer, CustomerTag, Tag

SMALL = 1_000
REPEAT = 25
TAGS = ["厨房改造", "卫浴升级", "全屋定制", "二次装修", "老客户", "看过样板间", "团购意向", "价格敏感"]
# Pages of the "my customers" list (the goal); the others are reported.
LIST_PAGES = ("workbench list", "workbench load more", "workbench filtered", "workbench due today", "dashboard list",
              "dashboard by follow-up")


def _decorate(after_id: int) -> None:
    """Tags for a third of the customers added after ``after_id``, a planned follow-up for a fifth."""
    tags = [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]
    rng = random.Random(after_id)
    ids = (Customer.objects.filter(id__gt=after_id).order_by("id").values_list("id", flat=True)
           .iterator(chunk_size=50_000))

    def links():
        for customer_id in ids:
            if customer_id % 3:
                continue
            for tag_id in rng.sample(tags, rng.choice((1, 1, 2, 3))):
                yield {"customer_id": customer_id, "tag_id": tag_id, "source": CustomerTag.Source.MANUAL}

    bulk_insert(CustomerTag, links(), fields=["customer_id", "tag_id", "source"])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE customers_customer SET next_follow_up_on = CURRENT_DATE + ((id %% 40) - 10)::integer "
            "WHERE id > %s AND id %% 5 = 0", [after_id],
        )
        cursor.execute("ANALYZE")  # as autovacuum would after a load this size


def _pages(assistant_user, manager_user) -> dict[str, tuple[Client, str]]:
    from customers.lists import cursor_of

    assistant = Client()
    assistant.force_login(assistant_user)
    manager = Client()
    manager.force_login(manager_user)
    staff = assistant_user.staff
    mine = Customer.objects.filter(owner_assistant=staff).order_by("-created_at", "-id")
    newest = mine.first()
    tenth = mine[9]
    return {
        "workbench list": (assistant, "/m/customers/"),
        "workbench load more": (assistant, "/m/customers/?" + urlencode({"after": cursor_of(tenth, "newest")})),
        "workbench filtered": (assistant, "/m/customers/?intent_grade=A&intent_grade=B&sort=follow_up"),
        "workbench due today": (assistant, "/m/customers/?due=true"),
        "dashboard list": (manager, "/dashboard/customers/"),
        "dashboard by follow-up": (manager, "/dashboard/customers/?sort=follow_up&intent_grade=A"),
        "workbench customer": (assistant, f"/m/customers/{newest.pk}/"),
        "dashboard customer": (manager, f"/dashboard/customers/{newest.pk}/"),
    }


def _measure(pages) -> dict[str, tuple[float, int]]:
    """Best and median seconds and the query count of each page ("load more" requested as htmx
    does). The ratio uses the best of the runs, as ``bench.harness.timed`` does: on a machine
    shared with other work the median carries their noise."""
    figures = {}
    for name, (client, url) in pages.items():
        headers = {"HX-Request": "true"} if "load more" in name else {}
        for _ in range(3):  # warm up: templates, the session, the database's caches
            response = client.get(url, headers=headers)
            assert response.status_code == 200, (name, url, response.status_code)
        times = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            client.get(url, headers=headers)
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, headers=headers)
        figures[name] = (min(times), statistics.median(times), len(queries))
    return figures


def run(scale: float) -> Result | list[Result]:
    if connection.vendor != "postgresql":
        return Result("customer_list", 0, "<=3", skipped="needs PostgreSQL: set DATABASE_URL")
    from django.contrib.auth import get_user_model

    from demo.seed import seed_customers, seed_organisation

    big = max(int(1_000_000 * scale), 10 * SMALL)
    rng = random.Random(4)
    seed_organisation(rng)
    seed_customers(SMALL, rng)
    _decorate(0)
    users = get_user_model().objects
    pages = _pages(users.get(username="assistant"), users.get(username="manager"))
    small = _measure(pages)

    last_id = Customer.objects.order_by("-id").values_list("id", flat=True).first()
    started = time.perf_counter()
    seed_customers(big, rng)
    _decorate(last_id)
    load = time.perf_counter() - started
    # The same pages; the workbench's newest customer may now be a newer one, and that is fair.
    pages = _pages(users.get(username="assistant"), users.get(username="manager"))
    large = _measure(pages)

    figures = {"customers": f"{SMALL:,} then {Customer.objects.count():,} (top-up loaded in {load:.0f}s)"}
    same_queries = True
    for name in pages:
        (t_small, m_small, q_small), (t_large, m_large, q_large) = small[name], large[name]
        same_queries &= q_small == q_large
        figures[name] = (f"best {t_small * 1000:.1f} ms / {t_large * 1000:.1f} ms (x{t_large / t_small:.2f}), "
                         f"median {m_small * 1000:.1f} / {m_large * 1000:.1f} ms; queries {q_small} / {q_large}")
    ratio = max(large[name][0] / small[name][0] for name in LIST_PAGES)
    figures["same query count at both sizes"] = "yes" if same_queries else "NO"
    return [
        Result("customer_list", ratio, "<=3", figures),
        # 1.0 when every page ran the same number of queries at both sizes, 0.0 otherwise.
        Result("customer_list_queries", 1.0 if same_queries else 0.0, ">=1"),
    ]
