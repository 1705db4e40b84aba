"""Demo data for one person, one customer (CUS-12): 周婷 scanned a solution's display code in the
flagship store one morning (a WeChat record with that scan, bound to the assistant on duty), and weeks later,
through another WeChat account, followed the assistant's staff code; the assistant recorded the
same mobile number on that record. The manager's "是同一人吗？" page lists the pair; merging keeps
both histories on one customer. Idempotent: made once, found by their openids."""

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from customers.models import Customer, OwnerChange, ScanEvent
from stores.models import QRCode, Role, Staff

FLAGSHIP = "sh-xuhui"
MOBILE = "13816880001"
PRODUCT_SCAN, STAFF_FOLLOW = "o-demo-zhouting-product", "o-demo-zhouting-follow"


@transaction.atomic
def seed_identity(rng: random.Random) -> None:
    if Customer.objects.filter(openid__in=[PRODUCT_SCAN, STAFF_FOLLOW]).exists():
        return
    staff = list(Staff.objects.filter(store__code=FLAGSHIP, role=Role.ASSISTANT, is_active=True).order_by("pk")[:2])
    product_code = (QRCode.objects.filter(store__code=FLAGSHIP, target_type=QRCode.TargetType.SOLUTION,
                                          is_active=True).order_by("pk").first())
    if len(staff) < 2 or product_code is None:
        return
    assistant, colleague = staff
    staff_code = QRCode.objects.filter(staff=assistant, target_type=QRCode.TargetType.STAFF).order_by("pk").first()
    now = timezone.now()
    for openid, owner, code, days_ago, name in ((PRODUCT_SCAN, colleague, product_code, 40, "周婷"),
                                                (STAFF_FOLLOW, assistant, staff_code, 3, "")):
        at = now - timedelta(days=days_ago, hours=rng.randint(0, 5))
        customer = Customer.objects.create(
            openid=openid, name=name, mobile=MOBILE, community="康健新村", store=owner.store, owner_assistant=owner,
            source=Customer.Source.QR_SCAN, bound_at=at, bound_via=code, created_at=at, updated_at=at,
            wechat_subscribed=openid == STAFF_FOLLOW)
        OwnerChange.objects.create(customer=customer, to_store=owner.store, to_assistant=owner, qr_code=code,
                                   reason=OwnerChange.Reason.FIRST_SCAN, changed_at=at)
        if code is not None:
            ScanEvent.objects.create(qr_code=code, customer=customer, target_type=code.target_type,
                                     target_id=code.target_id, store=owner.store, staff=code.staff,
                                     channel=ScanEvent.Channel.OAUTH, bound=True, scanned_at=at)
