"""Loads the demo brand. Re-runnable: the organisation is upserted by natural keys and customers
are topped up to the requested count, so running it twice adds nothing the second time."""

import hashlib
import io
import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from common.bulk import bulk_insert
from customers.models import Customer, Favourite, Order, OwnerChange, PageType, PageView, ScanEvent, Share, ShareOpen
from referrals.models import Partner
from stores.models import (FLOOR_ROLES, Case, EffectPicture, HeadOffice, Product, QRCode, Region, Role, Solution, Staff,
                           Store, Style)
from stores.services import case_create, qr_code_for, solution_create, staff_create

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
    seed_digital_store(rng)
    seed_codes()


def seed_codes() -> None:
    """A code for every store, its Wi-Fi, every floor staff member, product and solution (QR-1)."""
    for store in Store.objects.all():
        qr_code_for(store)
        qr_code_for(store, target_type="wifi", label=f"{store.name} Wi-Fi")
    for staff in Staff.objects.filter(role__in=FLOOR_ROLES, is_active=True).select_related("store"):
        qr_code_for(staff, label=f"{staff.name}（{staff.get_role_display()}）")
    for product in Product.objects.all():
        qr_code_for(product)
    for solution in Solution.objects.all():
        qr_code_for(solution, target_type=QRCode.TargetType.SOLUTION)


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
    seed_browse_trail(rng)
    return added, orders


def _first_scan_rows(bound):
    for customer_id, store_id, assistant_id, created_at, code_id in bound:
        yield {"qr_code_id": code_id, "customer_id": customer_id, "target_type": "staff", "target_id": assistant_id,
               "store_id": store_id, "staff_id": assistant_id, "channel": ScanEvent.Channel.OAUTH,
               "user_agent": "MicroMessenger", "bound": True, "scanned_at": created_at}


# --- Digital store (ORG-4): styles, effect pictures, solutions, cases, a browse trail ----------------

PICTURE_SIZE = (750, 500)


def _hex(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _shade(colour, factor: float) -> tuple[int, int, int]:
    return tuple(max(0, min(255, int(c * factor))) for c in _hex(colour))


def room_picture(*, room: str, style_key: str, highlight: str = "", variant: int = 0) -> ContentFile:
    """A flat drawing of a kitchen or bathroom in a style's colours, with the featured part
    outlined in the style's accent: a stand-in for a designer's rendering, made without any
    download. No text is drawn (Pillow's default font has no Chinese); captions are HTML."""
    from PIL import Image, ImageDraw

    _name, key, wall, floor, cabinet, counter, accent = next(s for s in data.STYLES if s[1] == style_key)
    width, height = PICTURE_SIZE
    image = Image.new("RGB", PICTURE_SIZE, _hex(wall))
    draw = ImageDraw.Draw(image)
    shift = (variant % 3) * 40
    floor_y = int(height * 0.78)
    draw.rectangle([0, floor_y, width, height], fill=_hex(floor))
    for x in range(-height, width, 90):  # floor boards in perspective
        draw.line([x + shift, height, x + shift + 120, floor_y], fill=_shade(floor, 0.9), width=2)
    parts: dict[str, list[int]] = {}

    def box(name, xy, fill, radius=4, outline=None):
        draw.rounded_rectangle(xy, radius=radius, fill=fill, outline=outline, width=2 if outline else 0)
        parts[name] = xy

    if room == "kitchen":
        box("window", [520 - shift, 50, 690 - shift, 200], (207, 230, 242), outline=_hex(cabinet))
        draw.line([605 - shift, 50, 605 - shift, 200], fill=_hex(cabinet), width=4)
        box("upper", [40, 60, 460 - shift, 180], _hex(cabinet))
        for x in range(40, 460 - shift, 70):
            draw.line([x, 62, x, 178], fill=_shade(cabinet, 0.85), width=2)
        box("hood", [200, 180, 300, 235], (170, 172, 176), radius=2)
        box("counter", [30, 268, 720, 285], _hex(counter), radius=2)
        box("base", [40, 285, 710, floor_y - 4], _hex(cabinet))
        for x in range(40, 710, 90):
            draw.line([x, 290, x, floor_y - 8], fill=_shade(cabinet, 0.85), width=2)
            draw.line([x + 40, 300, x + 50, 300], fill=_hex(accent), width=3)
        box("hob", [205, 258, 295, 268], (40, 40, 40), radius=2)
        box("sink", [470 - shift, 259, 560 - shift, 268], (200, 203, 207), radius=2)
        draw.arc([495 - shift, 215, 535 - shift, 265], 180, 360, fill=(120, 120, 125), width=5)
        parts["faucet"] = [490 - shift, 212, 540 - shift, 268]
        box("oven", [630, 120, 710, 280], _shade(cabinet, 0.92))
        box("oven_door", [640, 180, 700, 240], (35, 35, 38), radius=3)
        parts["dishwasher"] = [310, 290, 400, floor_y - 8]
        parts["under_sink"] = [460 - shift, 290, 570 - shift, floor_y - 8]
        if variant % 2 == 0:  # an island in front
            box("island", [150, 330, 520, 470], _shade(cabinet, 0.95))
            draw.rectangle([140, 318, 530, 332], fill=_hex(counter))
    else:
        for y in range(0, floor_y, 60):  # wall tiles
            draw.line([0, y, width, y], fill=_shade(wall, 0.93), width=2)
        for x in range(0, width, 60):
            draw.line([x, 0, x, floor_y], fill=_shade(wall, 0.93), width=2)
        box("mirror", [80 + shift, 70, 250 + shift, 220], (214, 226, 232), radius=40 if key == "nordic" else 6,
            outline=_hex(accent))
        box("vanity", [60 + shift, 270, 270 + shift, 360], _hex(cabinet))
        draw.ellipse([110 + shift, 255, 220 + shift, 280], fill=(250, 250, 250))
        box("toilet", [350, 270, 420, 320], (250, 250, 250), radius=8)
        draw.ellipse([330, 300, 440, 370], fill=(246, 246, 246))
        parts["toilet"] = [330, 270, 440, 370]
        box("shower", [560, 60, 720, floor_y - 2], (222, 236, 242), radius=2, outline=(190, 200, 205))
        draw.line([640, 80, 640, 140], fill=(150, 150, 155), width=4)
        draw.ellipse([615, 70, 665, 90], fill=_hex(accent))
        if variant % 2 == 1 or highlight == "bathtub":
            box("bathtub", [300, 330, 560, 400], (252, 252, 252), radius=28, outline=_shade(wall, 0.8))
    if highlight in parts:
        x0, y0, x1, y1 = parts[highlight]
        draw.rounded_rectangle([x0 - 6, y0 - 6, x1 + 6, y1 + 6], radius=8, outline=_hex(accent), width=5)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return ContentFile(buffer.getvalue(), name=f"{room}-{key}-{highlight or 'room'}-{variant}.png")


# What each product is in a drawing: (room, part to outline).
PRODUCT_PARTS = {
    "K-IS": ("kitchen", "island"), "K-CB": ("kitchen", "base"), "K-QZ": ("kitchen", "counter"),
    "K-SK": ("kitchen", "sink"), "K-FA": ("kitchen", "faucet"), "A-HD": ("kitchen", "hood"),
    "A-GS": ("kitchen", "hob"), "A-DW": ("kitchen", "dishwasher"), "A-ST": ("kitchen", "oven"),
    "B-TL": ("bathroom", "toilet"), "B-SH": ("bathroom", "shower"), "B-VA": ("bathroom", "vanity"),
    "B-BT": ("bathroom", "bathtub"), "B-MR": ("bathroom", "mirror"), "W-RO": ("kitchen", "under_sink"),
    "W-PF": ("kitchen", "under_sink"), "W-FL": ("kitchen", "under_sink"),
}


def seed_digital_store(rng: random.Random) -> None:
    """Styles, an effect picture per product and style, head office's and the flagship's
    solutions, two cases per store. Upserted by natural keys; pictures are drawn only for rows
    that have none, so a second run writes no file."""
    styles = {}
    for position, (name, key, *_colours) in enumerate(data.STYLES):
        styles[name], _ = Style.objects.update_or_create(name=name, defaults={"position": position})
    style_keys = {name: key for name, key, *_rest in data.STYLES}

    for product in Product.objects.all():
        room, part = PRODUCT_PARTS.get(product.sku[:4], ("kitchen", ""))
        for variant, (name, style) in enumerate(styles.items()):
            picture, _ = EffectPicture.objects.get_or_create(product=product, style=style)
            if not picture.image:
                picture.image.save(f"{product.sku.lower()}-{style_keys[name]}.png",
                                   room_picture(room=room, style_key=style_keys[name], highlight=part,
                                                variant=0 if part == "island" else variant),
                                   save=True)

    products = {p.sku: p for p in Product.objects.all()}
    solutions = {}
    for position, (name, room, style, skus, low, high, description, store_code) in enumerate(data.SOLUTIONS):
        store = Store.objects.get(code=store_code) if store_code else None
        solution = Solution.objects.filter(name=name).first()
        if solution is None:
            solution = solution_create(name=name, room=room, style=styles[style], price_from=Decimal(low),
                                       price_to=Decimal(high), description=description, store=store,
                                       products=[products[s] for s in skus if s in products], position=position)
        if not solution.cover:
            solution.cover.save(f"solution-{solution.pk}.png", room_picture(
                room="bathroom" if room == "bathroom" else "kitchen", style_key=style_keys[style],
                variant=0 if "岛台" in name else 1), save=True)
        solutions[name] = solution

    designers = {s.store_id: s for s in Staff.objects.filter(role=Role.DESIGNER, is_active=True).order_by("job_number")}
    communities = {code: c for code, *_rest, c in data.STORES}
    today = timezone.localdate()
    for store_index, store in enumerate(Store.objects.order_by("code")):
        for n in range(2):
            pattern = data.CASES[(store_index + n * 2) % len(data.CASES)]
            template, room, style, solution_name, area_low, area_high = pattern
            community = communities.get(store.code, ["小区"])[n % len(communities.get(store.code, ["小区"]))]
            solution = solutions[solution_name]
            if Case.objects.filter(store=store, community=community, solution=solution).exists():
                continue  # the natural key: random numbers differ between runs
            area = rng.randrange(area_low, area_high + 1)
            title = template.format(community=community, area=area)
            case_create(
                store=store, title=title, room=room, community=community, area=Decimal(area), style=styles[style],
                solution=solution, products=list(solution.products.all()), designer=designers.get(store.pk),
                description=data.CASE_STORIES[(store_index + n) % len(data.CASE_STORIES)],
                completed_on=today - timedelta(days=rng.randrange(20, 400)),
                pictures=[(room_picture(room=room, style_key=style_keys[style], variant=store_index + k), caption)
                          for k, caption in enumerate(("", ""))],
            )


def seed_browse_trail(rng: random.Random) -> None:
    """A believable trail for the demo assistant's first customers: pages viewed over the last
    days, favourites, and a solution shared with the family and opened. Only on an empty trail."""
    if PageView.objects.exists():
        return
    assistant = Staff.objects.filter(user__username="assistant").first()
    if assistant is None:
        return
    customers = list(Customer.objects.filter(owner_assistant=assistant, openid__isnull=False).order_by("id")[:6])
    solutions = list(Solution.objects.filter(is_active=True).order_by("position")[:4])
    products = list(Product.objects.filter(is_active=True).order_by("sku"))
    cases = list(Case.objects.filter(store=assistant.store, is_active=True)[:2])
    if len(customers) < 2 or not solutions:
        return
    now = timezone.now()
    views, favourites = [], []
    for customer in customers:
        seen = [(PageType.STORE, assistant.store_id)]
        seen += [(PageType.PRODUCT, p.pk) for p in rng.sample(products, 3)]
        seen += [(PageType.SOLUTION, s.pk) for s in rng.sample(solutions, 2)]
        seen += [(PageType.CASE, c.pk) for c in cases[:1]]
        at = now - timedelta(days=rng.randrange(1, 6), hours=rng.randrange(0, 8))
        for page_type, page_id in seen:
            at += timedelta(minutes=rng.randrange(2, 40))
            views.append(PageView(customer=customer, page_type=page_type, page_id=page_id, viewed_at=min(at, now)))
        favourites.append(Favourite(customer=customer, page_type=seen[-2][0], page_id=seen[-2][1],
                                    created_at=min(at, now)))
    PageView.objects.bulk_create(views)
    Favourite.objects.bulk_create(favourites, ignore_conflicts=True)
    sharer, family = customers[0], customers[1]
    share = Share.objects.create(sharer=sharer, page_type=PageType.SOLUTION, page_id=solutions[0].pk,
                                 created_at=now - timedelta(hours=5))
    ShareOpen.objects.create(share=share, customer=family, opened_at=now - timedelta(hours=4))
    ShareOpen.objects.create(share=share, customer=None, opened_at=now - timedelta(hours=3),
                             user_agent="Mozilla/5.0 (iPhone) Safari")
