"""Demo data: Profiles (stages 2-3), grades with history, tags and rules, follow-ups (CUS-1..5).
Adds its part only when that part is empty, so ``seed_demo`` can run again without piling up."""

import random
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from customers.models import (AfterSalesRecord, Customer, CustomerProfile, CustomerTag, FollowUp, IntentGradeChange,
                              Tag, TagRule)
from customers.rules import RuleError, tag_rule_apply
from stores.models import Product, Room, Staff, Style

MANUAL_TAGS = ["老客户转介绍", "关注智能马桶", "预算充足", "价格敏感", "装修公司推荐", "需要上门测量", "喜欢现代简约", "二次装修"]
RULES = [
    # (tag, rule name, conditions)
    ("近90天高消费", "近90天消费满2万", [{"field": "orders_amount", "op": "gte", "value": 20000, "days": 90}]),
    ("即将交房", "60天内交房", [{"field": "house_handover", "op": "within_days", "value": 60}]),
    ("沉睡客户", "180天未购买", [{"field": "last_order", "op": "older_than_days", "value": 180}]),
]
NOTES = {
    FollowUp.Outcome.REACHED: ["电话沟通了厨房布局，客户想先看看效果图", "客户在比较两家的价格，周末再联系",
                               "问了智能马桶的安装条件，已发资料"],
    FollowUp.Outcome.NOT_REACHED: ["电话未接通", "关机，稍后再打", "微信未回复"],
    FollowUp.Outcome.APPOINTMENT: ["约了周六上午来店看样品", "约好下周二上门量尺寸"],
    FollowUp.Outcome.VISITED: ["带家人来店看了整体橱柜，对石英石台面感兴趣", "到店体验了恒温花洒，准备下单"],
    FollowUp.Outcome.NOT_INTERESTED: ["已在别家买好，暂不需要"],
}
PREFERENCES = ["喜欢浅色系，注重收纳", "对品牌要求高，看重售后", "偏好智能化产品", "注重环保材料"]
FAMILY = ["三口之家，孩子上小学", "和父母同住，老人腿脚不便，卫生间要防滑", "新婚夫妻，计划两年内要孩子", "两位老人，换装适老化卫浴"]


def seed_profiles(rng: random.Random) -> None:
    """Profiles (stages 2-3), grades with history, tags and rules, follow-ups (CUS-1..5)."""
    assistant = Staff.objects.filter(user__username="assistant").select_related("store").first()
    if assistant is not None and not FollowUp.objects.filter(customer__owner_assistant=assistant).exists():
        _seed_assistant_customers(assistant, rng)
    if not TagRule.objects.exists():
        _seed_rules()


def _seed_assistant_customers(assistant: Staff, rng: random.Random) -> None:
    now = timezone.now()
    today = timezone.localdate()
    customers = list(Customer.objects.filter(owner_assistant=assistant, erased_at__isnull=True).order_by("id")[:40])
    if not customers:
        return
    styles = list(Style.objects.all())
    products = list(Product.objects.filter(is_active=True)[:12])
    tags = [Tag.objects.get_or_create(name=name)[0] for name in MANUAL_TAGS]
    statuses = [s for s, _label in Customer.DecorationStatus.choices if s]
    profiles, changes, links, follow_ups, after_sales = [], [], [], [], []
    for n, customer in enumerate(customers):
        # Stage 1 details the assistant filled in.
        customer.decoration_status = rng.choice(statuses)
        if customer.decoration_status in ("not_handed_over", "planning"):
            customer.house_handover_on = today + timedelta(days=rng.randrange(10, 120))
        elif rng.random() < 0.5:
            customer.house_handover_on = today - timedelta(days=rng.randrange(30, 400))
        if customer.birthday is None and rng.random() < 0.5:
            customer.age = rng.randrange(26, 62)
        # Grade history: first graded weeks ago, some changed since.
        history = [rng.choice("BC")] + ([rng.choice("AB")] if rng.random() < 0.5 else [])
        if n % 7 == 3:
            history.append("D")
        start = now - timedelta(days=rng.randrange(20, 90))
        previous = ""
        for step, grade in enumerate(history):
            if grade == previous:
                continue
            changes.append(IntentGradeChange(customer=customer, from_grade=previous, to_grade=grade,
                                             changed_by=assistant, changed_at=start + timedelta(days=7 * step)))
            previous = grade
        customer.intent_grade = previous
        # Follow-ups: two to four, the newest decides the next date. The first customers are due
        # today, the next ones overdue, some planned, some with nothing planned.
        count = rng.randrange(2, 5)
        for k in range(count):
            outcome = rng.choice(list(NOTES))
            when = now - timedelta(days=3 * (count - k) + rng.randrange(0, 3), hours=rng.randrange(1, 8))
            follow_ups.append(FollowUp(customer=customer, staff=assistant, kind=rng.choice(FollowUp.Kind.values),
                                       outcome=outcome, note=rng.choice(NOTES[outcome]), created_at=when))
        last = follow_ups[-1]
        if n < 4:
            last.next_follow_up_on = today
        elif n < 8:
            last.next_follow_up_on = today - timedelta(days=n - 3)
        elif n < 20:
            last.next_follow_up_on = today + timedelta(days=rng.randrange(1, 14))
        customer.next_follow_up_on = last.next_follow_up_on
        # Stages 2-3 for most.
        if n % 5 != 4:
            rooms = rng.sample([Room.KITCHEN, Room.BATHROOM], k=rng.randrange(1, 3))
            profiles.append(CustomerProfile(
                customer=customer, budget=Decimal(rng.choice([30000, 50000, 80000, 120000, 200000])),
                style=rng.choice(styles) if styles else None, rooms=[str(r) for r in rooms],
                categories=rng.sample(Product.Category.values, k=rng.randrange(1, 3)),
                house_area=Decimal(rng.randrange(60, 180)), toilet_rough_in=rng.choice([None, 300, 350, 400]),
                accepts_home_measurement=rng.choice([None, True, True, False]),
                notes=rng.choice(["厨房U型布局", "卫生间干湿分离", "想要开放式厨房", ""]),
                preferences=rng.choice(PREFERENCES), household_size=rng.randrange(2, 6),
                family_notes=rng.choice(FAMILY),
                updated_by=assistant, updated_at=now - timedelta(days=rng.randrange(1, 30))))
        for tag in rng.sample(tags, k=rng.randrange(0, 3)):
            links.append(CustomerTag(customer=customer, tag=tag, source=CustomerTag.Source.MANUAL))
        if n % 9 == 2:
            after_sales.append(AfterSalesRecord(
                customer=customer, kind=rng.choice(AfterSalesRecord.Kind.values), created_by=assistant,
                description=rng.choice(["花洒出水不稳，约了师傅上门", "柜门铰链松动需要调整", "台面有一道划痕，客户要求更换"]),
                status=rng.choice(AfterSalesRecord.Status.values),
                created_at=now - timedelta(days=rng.randrange(5, 60))))
    for record in after_sales:
        if record.status == AfterSalesRecord.Status.RESOLVED:
            record.resolved_at = record.created_at + timedelta(days=3)
    Customer.objects.bulk_update(customers, ["decoration_status", "house_handover_on", "age", "intent_grade",
                                             "next_follow_up_on"])
    IntentGradeChange.objects.bulk_create(changes)
    FollowUp.objects.bulk_create(follow_ups)
    created = CustomerProfile.objects.bulk_create(profiles, ignore_conflicts=True)
    for profile in created:
        if products and rng.random() < 0.5:
            profile.intent_products.set(rng.sample(products, k=min(2, len(products))))
    CustomerTag.objects.bulk_create(links, ignore_conflicts=True)
    AfterSalesRecord.objects.bulk_create(after_sales)


def _seed_rules() -> None:
    for tag_name, name, conditions in RULES:
        tag, _created = Tag.objects.get_or_create(name=tag_name)
        rule = TagRule.objects.create(tag=tag, name=name, conditions=conditions)
        try:
            tag_rule_apply(rule=rule)
        except RuleError:
            pass  # the rule stays for HQ to fix in the admin
