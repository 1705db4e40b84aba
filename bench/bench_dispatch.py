"""Dispatching an invitation task of 10,000 customers (INV-4): one action for the manager.

``invitation_task_dispatch`` locks the selected customers, checks each (scope, erased, owner in
the store, already inviting) with set queries and writes the entries with one bulk insert, so
its query count must not grow with the task. Goals: 10,000 customers in at most 2 s, and the
query count for 10,000 no higher than for 100.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.harness import Result, timed
from common.bulk import bulk_insert
from customers.models import Customer
from invitations.models import InvitationEntry
from invitations.services import invitation_task_dispatch
from stores.models import Region, Role, Staff, Store
from stores.scope import scope_of

GOAL_SECONDS = 2.0


def _staff(store, role, name):
    user = get_user_model().objects.create_user(username=f"bench-{name}", password="x")
    return Staff.objects.create(user=user, name=name, role=role, store=store, job_number=f"B-{name}")


def _customers(store, owners, count, tag):
    now = timezone.now()
    bulk_insert(Customer, (
        {"name": f"客户{n}", "store_id": store.pk, "owner_assistant_id": owners[n % len(owners)].pk,
         "openid": f"o-dispatch-{tag}-{n:08d}", "is_wecom_friend": n % 3 == 0, "created_at": now}
        for n in range(count)
    ), fields=["name", "store_id", "owner_assistant_id", "openid", "is_wecom_friend", "created_at"])
    return list(Customer.objects.filter(openid__startswith=f"o-dispatch-{tag}-").values_list("pk", flat=True))


def run(scale: float) -> list[Result]:
    count = max(int(10_000 * scale), 1000)
    region = Region.objects.create(name="邀约基准区", code="bench-inv")
    store = Store.objects.create(region=region, name="邀约基准店", code="bench-inv", city="上海", address="-")
    manager = _staff(store, Role.STORE_MANAGER, "manager")
    owners = [_staff(store, Role.ASSISTANT, f"assistant{n}") for n in range(20)]
    small, large = _customers(store, owners, 100, "s"), _customers(store, owners, count, "l")
    user = manager.user
    scope_of(user)

    def dispatch(ids):
        with CaptureQueriesContext(connection) as queries:
            invitation_task_dispatch(actor=user, store=store, customer_ids=ids, control_share="0.1")
        return len(queries)

    small_queries = dispatch(small)
    seconds = timed(lambda: dispatch(large))
    assert InvitationEntry.objects.filter(customer_id__in=large, active=True).count() == count
    InvitationEntry.objects.filter(customer_id__in=large).update(active=False)
    large_queries = dispatch(large)  # a second task of the same customers, now free again
    figures = {"customers": f"{count:,}", "dispatch": f"{seconds:.2f}s ({count / seconds:,.0f} customers/s)",
               "queries (100)": str(small_queries), f"queries ({count:,})": str(large_queries)}
    return [
        Result(name="dispatch_time", ratio=seconds / GOAL_SECONDS,
               goal="<=1", figures=figures),
        Result(name="dispatch_queries", ratio=large_queries / small_queries, goal="<=1", figures=figures),
    ]
