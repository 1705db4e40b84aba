"""WeCom (企业微信) "contact me" codes and the friendships they create (WX-4).

An assistant's contact code carries ``state = "qr:<token>"`` of the assistant's touchpoint code.
When a customer adds the assistant, WeCom calls back with ``add_external_contact``, the
``ExternalUserID`` and that state: we find or create the customer (by their WeCom id, or by the
unionid WeCom tells us), record it as a scan of the touchpoint (so attribution applies) and
remember the friendship, which the invitation workflow uses to suggest a WeCom chat.
"""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from customers.models import Customer, ScanEvent
from customers.scans import code_by_token, scan_record
from stores.models import QRCode, Staff
from stores.services import qr_code_for

from .client import call_with_token_retry, wecom_client
from .models import WeComContact, WeComContactWay

log = logging.getLogger(__name__)


def wecom_contact_way_for(*, staff: Staff) -> WeComContactWay:
    """The assistant's contact code, made once through WeCom's API."""
    existing = WeComContactWay.objects.filter(staff=staff).first()
    if existing:
        return existing
    if not staff.wecom_userid:
        raise ValueError("the staff member has no WeCom user id")
    code = qr_code_for(staff)
    state = code.scene  # "qr:" + 16 characters: within WeCom's 30
    client = wecom_client()
    result = call_with_token_retry(client, client.external_contact.add_contact_way, 1, 2, state=state,
                                   user=[staff.wecom_userid], remark=staff.name[:30])
    try:
        with transaction.atomic():
            return WeComContactWay.objects.create(staff=staff, config_id=result["config_id"],
                                                  qr_code_url=result.get("qr_code", ""), state=state)
    except IntegrityError:  # made by a simultaneous request
        return WeComContactWay.objects.get(staff=staff)


def _customer_for_external(external_userid: str) -> Customer:
    known = WeComContact.objects.filter(external_userid=external_userid).select_related("customer").first()
    if known:
        return known.customer
    unionid = None
    try:
        client = wecom_client()
        detail = call_with_token_retry(client, client.external_contact.get, external_userid)
        unionid = (detail.get("external_contact") or {}).get("unionid")
    except Exception:  # noqa: BLE001 - the detail only helps to match; the friendship still counts
        log.warning("could not read WeCom contact %s", external_userid, exc_info=True)
    # One person, one customer (CUS-12): the contact id, else the unionid (column or identity of a
    # merged record), else a new customer; simultaneous arrivals end as one.
    from customers.identity import customer_for_wecom

    return customer_for_wecom(external_userid=external_userid, unionid=unionid)


def wecom_contact_added(*, staff_userid: str, external_userid: str, state: str = "") -> WeComContact | None:
    """``add_external_contact``: the customer became the staff member's WeCom friend."""
    staff = Staff.objects.filter(wecom_userid=staff_userid).select_related("store").first()
    if staff is None or not external_userid:
        log.info("WeCom contact for unknown staff %s", staff_userid)
        return None
    token = QRCode.token_from_scene(state) if state else None
    code = code_by_token(token) if token else None
    if code is None or not code.is_active:
        code = qr_code_for(staff) if staff.is_active and staff.store_id else None
    with transaction.atomic():
        customer = _customer_for_external(external_userid)
        contact, created = WeComContact.objects.get_or_create(
            staff=staff, external_userid=external_userid,
            defaults={"customer": customer, "state": state[:30]},
        )
        if not created and contact.removed_at:
            contact.removed_at = None
            contact.save(update_fields=["removed_at"])
        Customer.objects.filter(pk=customer.pk).update(is_wecom_friend=True)
        if code is not None:
            scan_record(code=code, customer=customer, channel=ScanEvent.Channel.WECOM)
    return contact


def wecom_contact_removed(*, staff_userid: str, external_userid: str) -> None:
    """``del_external_contact`` / ``del_follow_user``: the friendship ended (either side)."""
    with transaction.atomic():
        contacts = WeComContact.objects.filter(staff__wecom_userid=staff_userid, external_userid=external_userid,
                                               removed_at__isnull=True)
        customer_ids = list(contacts.values_list("customer_id", flat=True))
        contacts.update(removed_at=timezone.now())
        for customer_id in customer_ids:
            still = WeComContact.objects.filter(customer_id=customer_id, removed_at__isnull=True).exists()
            Customer.objects.filter(pk=customer_id).update(is_wecom_friend=still)
