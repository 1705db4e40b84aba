"""Loads the demo brand. Re-runnable: the organisation is upserted by natural keys and customers
are topped up to the requested count, so running it twice adds nothing the second time."""

import hashlib
import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from common.bulk import bulk_insert
from customers.models import Customer, Order, OwnerChange, ScanEvent
from referrals.models import Partner
from stores.models import FLOOR_ROLES, HeadOffice, Product, QRCode, Region, Role, Staff, Store
from stores.services import qr_code_for, staff_create

from . import data

STORE_TEAM = [
    (Role.STORE_MANAGER, 1),
    (Role.ASSISTANT, 4),
    (Role.DESIGNER, 1),
    (Role.INSTALLER, 1),
    (Role.MEASURER, 1),
]
ROLE_CODE = {
    Role.STORE_MANAGER: "m",
    Role.ASSISTANT: "a",
    Role.DESIGNER: "d",
    Role.INSTALLER: "i",
    Role.MEASURER: "s",
}
FLAGSHIP = "sh-xuhui"


def person_name(rng: random.Random) -> str:
    given = "".join(rng.choice(data.GIVEN_CHARS) for _ in range(rng.choice((1, 2))))
    return rng.choice(data.SURNAMES) + given


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('356789')}{rng.randrange(10**9):09d}"


@transaction.atomic
def seed_organisation(rng: random.Random) -> None:
    office = HeadOffice.objects.order_by("pk").first() or HeadOffice()
    office.name, office.service_phone = data.BRAND["name"], data.BRAND["service_phone"]
    office.save()

    password_hash = make_password(data.DEMO_PASSWORD)  # hashed once: PBKDF2 is slow on purpose
    regions = {}
    for code, name in data.REGIONS:
        regions[code], _ = Region.objects.update_or_create(code=code, defaults={"name": name})

    def ensure_staff(job_number, username, name, role, store=None, region=None):
        existing = Staff.objects.filter(job_number=job_number).first()
        if existing:
            return existing
        return staff_create(
            username=username, password=None, password_hash=password_hash, name=name, role=role,
            job_number=job_number, store=store, region=region, phone=mobile(rng),
        )

    ensure_staff("HQ001", "hq", "李娜", Role.HQ_OPERATOR)
    ensure_staff("HQ002", "hq-ops2", "周建国", Role.HQ_OPERATOR)
    for index, (code, _name) in enumerate(data.REGIONS, start=1):
        username = "supervisor" if code == "east" else f"supervisor-{code}"
        ensure_staff(f"RS{index:03d}", username, person_name(rng), Role.REGION_SUPERVISOR, region=regions[code])

    for code, region, city, name, address, _communities in data.STORES:
        store, _ = Store.objects.update_or_create(
            code=code,
            defaults={
                "region": regions[region], "name": name, "city": city, "address": address,
                "phone": f"021-{rng.randrange(10**7, 10**8)}" if city == "上海" else f"400-{rng.randrange(1000000, 9999999)}",
                "opening_hours": "09:30–21:00", "wifi_ssid": f"YUEJIA-{code.upper()}",
                "wifi_password": "yuejia888",
            },
        )
        for role, count in STORE_TEAM:
            for n in range(1, count + 1):
                job_number = f"{code.upper()}-{ROLE_CODE[role].upper()}{n:02d}"
                if code == FLAGSHIP and role == Role.STORE_MANAGER and n == 1:
                    username = "manager"
                elif code == FLAGSHIP and role == Role.ASSISTANT and n == 1:
                    username = "assistant"
                else:
                    username = job_number.lower()
                ensure_staff(job_number, username, person_name(rng), role, store=store)
        for n, kind in enumerate((Partner.Kind.PLUMBER, Partner.Kind.DECORATOR), start=1):
            job_number = f"{code.upper()}-P{n:02d}"
            if Partner.objects.filter(job_number=job_number).exists():
                continue
            user = None
            if code == FLAGSHIP and n == 1:
                from django.contrib.auth import get_user_model

                user = get_user_model().objects.create(username="partner", password=password_hash)
            Partner.objects.create(
                user=user, name=person_name(rng) + ("师傅" if kind == Partner.Kind.PLUMBER else ""),
                kind=kind, store=store, job_number=job_number, phone=mobile(rng),
            )

    for sku, name, category, price in data.PRODUCTS:
        Product.objects.update_or_create(sku=sku, defaults={"name": name, "category": category, "price": Decimal(price)})
    seed_codes()


def seed_codes() -> None:
    """A code for every store, its Wi-Fi, every floor staff member and every product (QR-1)."""
    for store in Store.objects.all():
        qr_code_for(store)
        qr_code_for(store, target_type="wifi", label=f"{store.name} Wi-Fi")
    for staff in Staff.objects.filter(role__in=FLOOR_ROLES, is_active=True).select_related("store"):
        qr_code_for(staff, label=f"{staff.name}（{staff.get_role_display()}）")
    for product in Product.objects.all():
        qr_code_for(product)


CUSTOMER_FIELDS = [
    "name", "gender", "birthday", "mobile", "community", "address", "source", "store_id",
    "owner_assistant_id", "openid", "unionid", "is_wecom_friend", "wechat_subscribed", "intent_grade",
    "member_level", "bound_at", "bound_via_id", "created_at",
]
SCAN_FIELDS = ["qr_code_id", "customer_id", "target_type", "target_id", "store_id", "staff_id", "channel",
               "user_agent", "bound", "scanned_at"]
OWNER_CHANGE_FIELDS = ["customer_id", "to_store_id", "to_assistant_id", "reason", "qr_code_id", "changed_at"]
ORDER_FIELDS = ["number", "customer_id", "store_id", "assistant_id", "amount", "payment_type", "status", "placed_at", "paid_at"]


def _customer_rows(count: int, start: int, rng: random.Random, now):
    stores = list(Store.objects.values_list("id", "code"))
    assistants: dict[int, list[int]] = {}
    for staff_id, store_id in Staff.objects.filter(role=Role.ASSISTANT, is_active=True).values_list("id", "store_id"):
        assistants.setdefault(store_id, []).append(staff_id)
    communities = {code: c for code, *_rest, c in data.STORES}
    staff_codes = dict(QRCode.objects.filter(target_type="staff", is_active=True).values_list("staff_id", "id"))
    sources = [choice for choice, _label in Customer.Source.choices if choice != Customer.Source.IMPORT]
    grades = ["A", "B", "B", "C", "D", "", "", ""]
    for n in range(start, start + count):
        store_id, store_code = stores[n % len(stores)]
        has_wechat = rng.random() < 0.7
        owner = rng.choice(assistants[store_id]) if store_id in assistants else None
        created_at = now - timedelta(days=rng.randrange(0, 720), minutes=rng.randrange(0, 1440))
        digest = hashlib.blake2b(f"demo-{n}".encode(), digest_size=14).hexdigest()
        community = rng.choice(communities.get(store_code, ["", ""]))
        yield {
            "name": person_name(rng),
            "gender": rng.choice("fm"),
            "birthday": (now - timedelta(days=rng.randrange(22 * 365, 65 * 365))).date() if rng.random() < 0.6 else None,
            "mobile": mobile(rng) if rng.random() < 0.85 else "",
            "community": community,
            "address": f"{community}{rng.randrange(1, 30)}栋{rng.randrange(101, 2802)}室" if community else "",
            "source": rng.choice(sources),
            "store_id": store_id,
            "owner_assistant_id": owner,
            "openid": f"o{digest}" if has_wechat else None,
            "unionid": f"u{digest}" if has_wechat and rng.random() < 0.5 else None,
            "is_wecom_friend": rng.random() < 0.4,
            "wechat_subscribed": has_wechat and rng.random() < 0.6,
            "intent_grade": rng.choice(grades),
            "member_level": rng.choice((0, 0, 0, 1, 1, 2, 3)),
            "bound_at": created_at,
            # Customers who came through WeChat were bound by scanning their assistant's code.
            "bound_via_id": staff_codes.get(owner) if has_wechat else None,
            "created_at": created_at,
        }


def _order_rows(customers, rng: random.Random, now):
    payment_types = [c for c, _label in Order.PaymentType.choices]
    statuses = [Order.Status.COMPLETED] * 5 + [Order.Status.PAID, Order.Status.SHIPPED, Order.Status.INSTALLED,
                                                 Order.Status.CANCELLED]
    for customer_id, store_id, assistant_id, created_at, _code in customers:
        if rng.random() > 0.45:
            continue
        for k in range(rng.choice((1, 1, 1, 2, 3))):
            age_days = (now - created_at).days
            placed = created_at + timedelta(days=rng.randrange(0, max(age_days, 0) + 1), minutes=rng.randrange(600))
            placed = min(placed, now)
            amount = Decimal(rng.choice((899, 1899, 2399, 3299, 4999, 6999, 12800, 26800, 45800, 68800)))
            amount += Decimal(rng.randrange(0, 100)) * 10
            yield {
                "number": f"YJ{customer_id:08d}{k}",
                "customer_id": customer_id, "store_id": store_id, "assistant_id": assistant_id,
                "amount": amount, "payment_type": rng.choice(payment_types), "status": rng.choice(statuses),
                "placed_at": placed, "paid_at": placed + timedelta(minutes=rng.randrange(5, 90)),
            }


def seed_customers(target: int, rng: random.Random) -> tuple[int, int]:
    """Top the customers up to ``target``, with order history. Returns (customers, orders) added."""
    existing = Customer.objects.count()
    missing = max(target - existing, 0)
    if not missing:
        return 0, 0
    now = timezone.now()
    last_id = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    added = bulk_insert(Customer, _customer_rows(missing, existing, rng, now), fields=CUSTOMER_FIELDS)

    def new():
        return (
            Customer.objects.filter(id__gt=last_id).order_by("id")
            .values_list("id", "store_id", "owner_assistant_id", "created_at", "bound_via_id")
            .iterator(chunk_size=20_000)
        )

    orders = bulk_insert(Order, _order_rows(new(), rng, now), fields=ORDER_FIELDS)
    bulk_insert(ScanEvent, _first_scan_rows(row for row in new() if row[4]), fields=SCAN_FIELDS)
    bulk_insert(OwnerChange, (
        {"customer_id": c, "to_store_id": s, "to_assistant_id": a, "reason": OwnerChange.Reason.FIRST_SCAN,
         "qr_code_id": q, "changed_at": t} for c, s, a, t, q in new() if q
    ), fields=OWNER_CHANGE_FIELDS)
    return added, orders


def _first_scan_rows(bound):
    for customer_id, store_id, assistant_id, created_at, code_id in bound:
        yield {"qr_code_id": code_id, "customer_id": customer_id, "target_type": "staff", "target_id": assistant_id,
               "store_id": store_id, "staff_id": assistant_id, "channel": ScanEvent.Channel.OAUTH,
               "user_agent": "MicroMessenger", "bound": True, "scanned_at": created_at}
