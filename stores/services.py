"""Writes to the organisation. Keyword-only, atomic; raise ValidationError with a clear message."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from .models import Case, CasePicture, EffectPicture, Product, QRCode, Region, Role, Solution, Staff, Store, Style


@transaction.atomic
def staff_create(
    *,
    username: str,
    password: str | None,
    name: str,
    role: str,
    job_number: str,
    store: Store | None = None,
    region: Region | None = None,
    phone: str = "",
    password_hash: str | None = None,
) -> Staff:
    """Create a staff member and their user account together (ORG-2).

    ``password_hash`` lets bulk loaders reuse one already-hashed password.
    """
    User = get_user_model()
    user = User(username=username, first_name=name, is_staff=(role == Role.HQ_OPERATOR))
    if password_hash:
        user.password = password_hash
    else:
        user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    staff = Staff(user=user, name=name, role=role, job_number=job_number, store=store, region=region, phone=phone)
    staff.full_clean(exclude=["user"])
    staff.save()
    return staff


@transaction.atomic
def staff_deactivate(*, staff: Staff) -> Staff:
    """A member of staff leaves: the account can no longer log in; their history stays."""
    return staff_update(staff=staff, is_active=False, left_on=timezone.localdate())


STAFF_EDITABLE = {"name", "role", "region", "store", "job_number", "phone", "avatar", "wechat_id", "wecom_userid",
                  "is_active", "joined_on", "left_on"}


@transaction.atomic
def staff_update(*, staff: Staff, **changes) -> Staff:
    """Change a staff record; the login follows (admin access for HQ, no login after leaving)."""
    unknown = set(changes) - STAFF_EDITABLE
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(staff, field, value)
    staff.full_clean(exclude=["user"])
    staff.save()
    user = staff.user
    user.is_staff = staff.role == Role.HQ_OPERATOR and staff.is_active
    user.is_active = staff.is_active
    user.save(update_fields=["is_staff", "is_active"])
    return staff


TARGET_TYPES_BY_MODEL = {"store": "store", "product": "product", "staff": "staff", "solution": "solution"}


@transaction.atomic
def qr_code_create(
    *,
    target,
    label: str = "",
    store: Store | None = None,
    staff: Staff | None = None,
    target_type: str | None = None,
    assignment: str = QRCode.Assignment.ROUND_ROBIN,
    welcome_message: str = "",
) -> QRCode:
    """A new code for ``target`` (a store, product, staff member, solution, or a row of another app
    when ``target_type`` is given). The store and assistant the code attributes to follow the
    target unless given: a staff code belongs to its assistant and their store, a store's own
    solution to that store."""
    target_type = target_type or TARGET_TYPES_BY_MODEL[target._meta.model_name]
    if isinstance(target, Staff):
        staff = staff or target
        store = store or target.store
        assignment = QRCode.Assignment.FIXED
    elif isinstance(target, Store):
        store = store or target
    elif isinstance(target, Solution):
        store = store or target.store  # a store's own solution attributes to it; HQ's to nobody
    code = QRCode(
        target_type=target_type,
        target_content_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        label=label or str(target)[:100],
        store=store,
        staff=staff,
        assignment=assignment,
        welcome_message=welcome_message,
    )
    code.full_clean()
    code.save()
    return code


def qr_code_for(target, *, target_type: str | None = None, **kwargs) -> QRCode:
    """The target's active code, made on first use ("my code" in the workbench)."""
    existing = (
        QRCode.objects.filter(
            target_content_type=ContentType.objects.get_for_model(target), target_id=target.pk, is_active=True,
            **({"target_type": target_type} if target_type else {}),
        )
        .order_by("pk")
        .first()
    )
    return existing or qr_code_create(target=target, target_type=target_type, **kwargs)


# --- Digital store (ORG-4): solutions, cases, effect pictures ------------------------------------


@transaction.atomic
def solution_create(
    *,
    name: str,
    room: str,
    price_from,
    price_to,
    products: Iterable[Product] = (),
    store: Store | None = None,
    style: Style | None = None,
    description: str = "",
    video_url: str = "",
    cover: File | None = None,
    position: int = 0,
) -> Solution:
    """A system solution: head office's when ``store`` is None, else that store's own."""
    solution = Solution(store=store, name=name, room=room, style=style, description=description,
                        video_url=video_url, price_from=price_from, price_to=price_to, position=position)
    solution.full_clean()  # before any file is written: a refused solution leaves nothing behind
    if cover is not None:
        solution.cover.save(cover.name, cover, save=False)
    solution.save()
    solution.products.set(products)
    return solution


@transaction.atomic
def case_create(
    *,
    store: Store,
    title: str,
    room: str,
    community: str = "",
    area=None,
    style: Style | None = None,
    solution: Solution | None = None,
    products: Iterable[Product] = (),
    designer: Staff | None = None,
    description: str = "",
    completed_on=None,
    pictures: Iterable[tuple[File, str]] = (),
) -> Case:
    """A finished customer project of ``store``, with its pictures (file, caption) in order."""
    case = Case(store=store, title=title, room=room, community=community, area=area, style=style,
                solution=solution, designer=designer, description=description, completed_on=completed_on)
    case.full_clean()
    case.save()
    case.products.set(products)
    for position, (image, caption) in enumerate(pictures):
        picture = CasePicture(case=case, caption=caption, position=position)
        picture.full_clean(exclude=["case", "image"])
        picture.image.save(image.name, image, save=False)
        picture.save()
    return case


@transaction.atomic
def effect_picture_set(*, product: Product, style: Style, image: File | None = None,
                       caption: str = "") -> EffectPicture:
    """The product's picture in ``style``, replacing the one it had (one per product and style)."""
    picture = EffectPicture.objects.select_for_update().filter(product=product, style=style).first()
    picture = picture or EffectPicture(product=product, style=style)
    picture.caption = caption
    picture.full_clean()
    if image is not None:
        picture.image.save(image.name, image, save=False)
    picture.save()
    return picture


@transaction.atomic
def staff_bind_wechat(*, staff: Staff, openid: str) -> Staff:
    """The staff member opened the bind page inside WeChat: reminders go to this openid now."""
    staff.wechat_openid = openid[:64]
    staff.save(update_fields=["wechat_openid"])
    return staff
