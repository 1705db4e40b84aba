"""Demo data for the interaction radar (QR-9): a morning's entries for every assistant of the
flagship store — customers who scanned, looked at a solution again, opened a shared page, kept a
product, claimed a coupon — so the radar page and its tile on the workbench are not empty.
Idempotent: nothing is added once the radar has entries. No reminders are queued."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from customers.models import Customer, PageType, RadarEvent
from stores.models import Product, Role, Solution, Staff

FLAGSHIP = "sh-xuhui"
PER_ASSISTANT = 6


@transaction.atomic
def seed_radar(rng: random.Random) -> int:
    if RadarEvent.objects.exists():
        return 0
    solutions = list(Solution.objects.filter(is_active=True).values_list("pk", flat=True)[:10])
    products = list(Product.objects.filter(is_active=True).values_list("pk", flat=True)[:20])
    now = timezone.now()
    rows = []
    for assistant in Staff.objects.filter(store__code=FLAGSHIP, role=Role.ASSISTANT, is_active=True):
        customers = list(Customer.objects.filter(owner_assistant=assistant, erased_at__isnull=True)
                         .values_list("pk", "store_id")[:PER_ASSISTANT])
        for n, (customer_id, store_id) in enumerate(customers):
            at = now - timedelta(minutes=rng.randint(2, 240))
            kind = [RadarEvent.Kind.SCANNED, RadarEvent.Kind.VIEWED_AGAIN, RadarEvent.Kind.FAVOURITED,
                    RadarEvent.Kind.CLAIMED_COUPON, RadarEvent.Kind.VIEWED_AGAIN, RadarEvent.Kind.SCANNED][n % 6]
            page_type, page_id, what = "", None, ""
            if kind == RadarEvent.Kind.CLAIMED_COUPON:
                what = "厨电满减券"
            elif kind == RadarEvent.Kind.FAVOURITED and products:
                page_type, page_id = PageType.PRODUCT, rng.choice(products)
            elif solutions:
                page_type, page_id, what = PageType.SOLUTION, rng.choice(solutions), "方案展示码"
            rows.append(RadarEvent(customer_id=customer_id, assistant=assistant, store_id=store_id, kind=kind,
                                   page_type=page_type, page_id=page_id, what=what, occurred_at=at))
    RadarEvent.objects.bulk_create(rows)
    return len(rows)
