"""The nightly tag-rule run (CUS-4): set-based ``tag_rule_apply`` vs. the per-customer loop a
naive job would run (read each match, look its link up, insert it; check every rule-given link,
delete the ones that no longer match).

Goal: the set-based run is at least 10 times faster than the loop, so the nightly job stays a
few statements per rule however many customers a brand has.
"""

import random

from django.db import transaction
from django.utils import timezone

from bench.harness import Result, timed
from common.bulk import bulk_insert
from customers.models import Customer, CustomerTag, Tag, TagRule
from customers.rules import customers_matching, tag_rule_apply
from stores.models import Region, Store

CONDITIONS = [{"field": "intent_grade", "op": "in", "value": ["A", "B"]},
              {"field": "community", "op": "contains", "value": "花园"}]


def _customers(count: int, store_id: int):
    rng = random.Random(11)
    now = timezone.now()
    for n in range(count):
        yield {"name": f"客户{n}", "store_id": store_id, "created_at": now, "openid": f"obench-tag-{n:09d}",
               "intent_grade": rng.choice("ABCD"), "community": rng.choice(["万科花园", "保利花园", "绿地城", "滨江壹号"])}


@transaction.atomic
def naive_apply(tag: Tag) -> None:
    """The loop: one query (or two) per customer."""
    for customer in customers_matching(CONDITIONS).iterator():
        if not CustomerTag.objects.filter(customer=customer, tag=tag).exists():
            CustomerTag.objects.create(customer=customer, tag=tag, source=CustomerTag.Source.RULE)
    matching = set(customers_matching(CONDITIONS).values_list("pk", flat=True))
    for link in CustomerTag.objects.filter(tag=tag, source=CustomerTag.Source.RULE).iterator():
        if link.customer_id not in matching:
            link.delete()


def run(scale: float) -> Result:
    count = max(int(20_000 * scale), 1000)
    region = Region.objects.create(name="基准区", code="bench-tags")
    store = Store.objects.create(region=region, name="基准店", code="bench-tags", city="上海", address="-")
    bulk_insert(Customer, _customers(count, store.pk),
                fields=["name", "store_id", "created_at", "openid", "intent_grade", "community"])
    naive_tag, rule_tag = Tag.objects.create(name="基准-循环"), Tag.objects.create(name="基准-集合")
    rule = TagRule.objects.create(tag=rule_tag, name="基准规则", conditions=CONDITIONS)

    loop_first = timed(lambda: naive_apply(naive_tag))
    set_first = timed(lambda: tag_rule_apply(rule=rule))
    matched = CustomerTag.objects.filter(tag=rule_tag).count()
    assert matched == CustomerTag.objects.filter(tag=naive_tag).count()

    # The next night: a quarter of the customers changed grade.
    changed = list(Customer.objects.filter(store=store).values_list("pk", flat=True)[::4])
    Customer.objects.filter(pk__in=changed, intent_grade__in=["A", "B"]).update(intent_grade="D")
    Customer.objects.filter(pk__in=changed, intent_grade__in=["C"]).update(intent_grade="A")
    loop_next = timed(lambda: naive_apply(naive_tag))
    runs = {}
    set_next = timed(lambda: runs.update(next=tag_rule_apply(rule=rule)))
    run_next = runs["next"]
    assert CustomerTag.objects.filter(tag=rule_tag).count() == CustomerTag.objects.filter(tag=naive_tag).count()

    loop_total, set_total = loop_first + loop_next, set_first + max(set_next, 1e-6)
    return Result(
        name="tag_rules",
        ratio=loop_total / set_total,
        goal=">=10",
        figures={
            "customers": f"{count:,}",
            "matched": f"{matched:,}",
            "per-customer loop (first + next night)": f"{loop_first:.2f}s + {loop_next:.2f}s",
            "tag_rule_apply (first + next night)": f"{set_first:.3f}s + {set_next:.3f}s",
            "next night": f"+{run_next.added:,} / -{run_next.removed:,}",
        },
    )
