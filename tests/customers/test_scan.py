"""Scanning a code (QR-2, QR-3) and the attribution it causes (QR-4)."""

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from customers.attribution import customer_reassign, customers_hand_over, protection_days_changed
from customers.errors import CustomerError
from customers.scans import code_cache_clear, code_tag_ids
from customers.models import Customer, OwnerChange, ScanEvent
from stores.models import HeadOffice, Product, QRCode
from stores.services import qr_code_create, staff_deactivate

from .conftest import as_wechat_user


def scan(client, code, openid="o-new-1"):
    as_wechat_user(client, openid)
    return client.get(f"/q/{code.token}", HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger/8.0")


def test_tokens_are_unguessable_and_unique(codes):
    tokens = [code.token for code in codes.values()]
    assert len(set(tokens)) == len(tokens)
    assert all(len(t) >= 16 for t in tokens)
    assert not any(str(code.pk) == code.token for code in codes.values())


def test_a_staff_code_binds_a_new_customer_to_that_assistant(client, org, codes):
    response = scan(client, codes["assistant"])
    assert response.status_code == 302
    assert response["Location"] == f"/h5/staff/{codes['assistant'].token}/"
    customer = Customer.objects.get(openid="o-new-1")
    assert (customer.store, customer.owner_assistant) == (org.store_a1, org.assistant)
    assert customer.bound_via == codes["assistant"]
    change = customer.owner_changes.get()
    assert change.reason == OwnerChange.Reason.FIRST_SCAN and change.to_assistant == org.assistant
    event = ScanEvent.objects.get(customer=customer)
    assert (event.qr_code, event.store, event.staff, event.bound) == (codes["assistant"], org.store_a1,
                                                                      org.assistant, True)
    assert event.channel == ScanEvent.Channel.OAUTH and "MicroMessenger" in event.user_agent


def test_later_scans_elsewhere_do_not_steal_within_the_protection_period(client, org, codes):
    scan(client, codes["assistant"])
    response = scan(client, codes["other_assistant"])
    assert response.status_code == 302
    customer = Customer.objects.get(openid="o-new-1")
    assert customer.owner_assistant == org.assistant
    assert customer.scans.count() == 2 and customer.owner_changes.count() == 1
    assert not customer.scans.filter(qr_code=codes["other_assistant"]).get().bound


def test_after_the_protection_period_a_scan_elsewhere_rebinds(client, org, codes):
    scan(client, codes["assistant"])
    Customer.objects.filter(openid="o-new-1").update(bound_at=timezone.now() - timedelta(days=91))
    scan(client, codes["other_assistant"])
    customer = Customer.objects.get(openid="o-new-1")
    assert (customer.store, customer.owner_assistant) == (org.store_a2, org.other_store_assistant)
    assert customer.owner_changes.first().reason == OwnerChange.Reason.PROTECTION_EXPIRED


def test_hq_configures_the_protection_period(client, org, codes):
    scan(client, codes["assistant"])
    HeadOffice.objects.update_or_create(pk=1, defaults={"name": "品牌", "protection_days": 10})
    protection_days_changed()
    Customer.objects.filter(openid="o-new-1").update(bound_at=timezone.now() - timedelta(days=11))
    scan(client, codes["colleague"])
    assert Customer.objects.get(openid="o-new-1").owner_assistant == org.colleague


def test_a_store_code_assigns_new_customers_round_robin(client, org, codes):
    owners = []
    for n in range(4):
        scan(client, codes["store"], openid=f"o-rr-{n}")
        owners.append(Customer.objects.get(openid=f"o-rr-{n}").owner_assistant)
    assert set(owners) == {org.assistant, org.colleague}
    assert owners[0] != owners[1] and owners[0] == owners[2]


def test_a_leaving_assistants_printed_code_keeps_working_for_the_store(client, org, codes):
    staff_deactivate(staff=org.assistant)
    response = scan(client, codes["assistant"])
    assert response.status_code == 302
    customer = Customer.objects.get(openid="o-new-1")
    assert customer.store == org.store_a1 and customer.owner_assistant == org.colleague


def test_head_office_codes_record_but_never_bind(client, org):
    product = Product.objects.create(sku="K-1", name="岛台", category="kitchen", price="100.00")
    code = qr_code_create(target=product)
    assert code.store is None
    response = scan(client, code)
    assert response["Location"] == "/h5/products/K-1/"
    customer = Customer.objects.get(openid="o-new-1")
    assert customer.store is None and customer.scans.get().bound is False


@pytest.mark.parametrize("token, status", [("forged-token-123", 404), ("x" * 300, 404)])
def test_forged_codes_get_a_friendly_page(client, db, token, status):
    response = client.get(f"/q/{token}")
    assert response.status_code == status
    assert "扫描" in response.content.decode() or "二维码" in response.content.decode()
    assert ScanEvent.objects.count() == 0


def test_disabled_codes_get_a_friendly_page(client, codes):
    QRCode.objects.filter(pk=codes["store"].pk).update(is_active=False)
    response = scan(client, codes["store"])
    assert response.status_code == 410
    assert "门店" in response.content.decode()
    assert ScanEvent.objects.count() == 0


def test_without_an_identity_the_visitor_goes_through_wechat_oauth(client, codes, settings):
    response = client.get(f"/q/{codes['store'].token}")
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(settings.WECHAT_API_BASE + "connect/oauth2/authorize")
    assert "snsapi_base" in location and "appid=" in location
    assert ScanEvent.objects.count() == 0  # recorded once the person is known


def test_outside_wechat_in_real_mode_the_scan_is_anonymous(client, codes, settings):
    settings.WECHAT_MODE = "real"
    response = client.get(f"/q/{codes['wifi'].token}", HTTP_USER_AGENT="Mozilla/5.0 Safari")
    assert response["Location"] == f"/h5/wifi/{codes['wifi'].token}/"
    event = ScanEvent.objects.get()
    assert event.customer is None and event.channel == ScanEvent.Channel.BROWSER


def test_a_known_customers_scan_costs_three_queries_then_two(client, codes, django_assert_num_queries, settings):
    settings.RADAR_ENABLED = False  # the radar's own statements are counted in test_radar.py
    scan(client, codes["assistant"])
    code_cache_clear()
    code_tag_ids(0)  # the per-process map of tagging codes: read once a minute, not per scan
    as_wechat_user(client, "o-new-1")
    for code in (codes["assistant"], codes["store"], codes["wifi"]):
        # the code by token, the customer by openid, the INSERT of the scan
        with django_assert_num_queries(3):
            client.get(f"/q/{code.token}")
        # the code is then kept by the process for a minute
        with django_assert_num_queries(2):
            client.get(f"/q/{code.token}")


def test_a_disabled_code_stops_working_within_the_cache_time(client, codes, monkeypatch):
    scan(client, codes["store"])
    QRCode.objects.filter(pk=codes["store"].pk).update(is_active=False)
    monkeypatch.setattr("customers.scans.time.monotonic", lambda: 10**9)  # a minute and more later
    assert scan(client, codes["store"]).status_code == 410


def test_hq_reassigns_with_a_reason_and_others_cannot(org, codes, client):
    scan(client, codes["assistant"])
    customer = Customer.objects.get(openid="o-new-1")
    with pytest.raises(CustomerError):
        customer_reassign(customer=customer, assistant=org.colleague, actor=org.user("manager"), note="调店")
    with pytest.raises(CustomerError):
        customer_reassign(customer=customer, assistant=org.colleague, actor=org.user("hq"), note=" ")
    customer_reassign(customer=customer, assistant=org.other_store_assistant, actor=org.user("hq"),
                      note="客户搬家到杭州")
    customer.refresh_from_db()
    assert (customer.store, customer.owner_assistant) == (org.store_a2, org.other_store_assistant)
    change = customer.owner_changes.first()
    assert change.reason == OwnerChange.Reason.REASSIGNED and change.note == "客户搬家到杭州"
    assert change.changed_by == org.user("hq")


def test_manager_hands_a_leaving_assistants_customers_over_round_robin(org):
    extra = type(org.colleague).objects.create(
        user=type(org.colleague.user).objects.create(username="t-third"), name="第三位", role="assistant",
        store=org.store_a1, job_number="J-third")
    for n in range(4):
        Customer.objects.create(name=f"交接{n}", store=org.store_a1, owner_assistant=org.assistant)
    moved = customers_hand_over(leaving=org.assistant, to=None, actor=org.user("manager"))
    assert moved == 6  # the four above and the two the fixture gave them
    assert not Customer.objects.filter(owner_assistant=org.assistant).exists()
    heirs = set(Customer.objects.filter(name__startswith="交接").values_list("owner_assistant", flat=True))
    assert heirs == {org.colleague.pk, extra.pk}
    assert OwnerChange.objects.filter(reason=OwnerChange.Reason.HANDOVER).count() == 6


@pytest.mark.parametrize("role", ["assistant", "supervisor_other_region"])
def test_hand_over_is_refused_outside_the_actors_scope(org, role):
    actor = org.user("assistant") if role == "assistant" else None
    if actor is None:
        from stores.models import Role, Staff

        from ..factories import StaffFactory

        actor = StaffFactory(role=Role.REGION_SUPERVISOR, store=None, region=org.region_b).user
        assert Staff.objects.visible_to(actor).filter(pk=org.assistant.pk).count() == 0
    with pytest.raises(CustomerError):
        customers_hand_over(leaving=org.assistant, to=None, actor=actor)


def test_codes_point_to_other_apps_targets_generically(org):
    code = QRCode.objects.create(target_type="activity", target_content_type=ContentType.objects.get_for_model(org.store_a1),
                                 target_id=org.store_a1.pk, label="活动", store=org.store_a1)
    assert code.target == org.store_a1


def test_a_tagging_code_tags_everyone_who_scans_it_once(client, org, codes):
    from customers.models import CodeTag, CustomerTag, Tag

    kitchen = Tag.objects.create(name="厨房展厅")
    CodeTag.objects.create(qr_code=codes["wifi"], tag=kitchen)
    code_cache_clear()
    scan(client, codes["wifi"], openid="o-tag-1")
    scan(client, codes["wifi"], openid="o-tag-1")
    scan(client, codes["store"], openid="o-tag-2")
    tagged = CustomerTag.objects.filter(tag=kitchen)
    assert [link.customer.openid for link in tagged] == ["o-tag-1"]
    assert tagged.get().source == CustomerTag.Source.CODE


def test_with_the_broker_down_the_scan_is_still_recorded(client, codes):
    from config.celery import app

    original, eager = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:9/0", False  # nothing listens there
    try:
        response = scan(client, codes["assistant"], openid="o-no-broker")
    finally:
        app.conf.broker_url, app.conf.task_always_eager = original, eager
    assert response.status_code == 302
    assert ScanEvent.objects.filter(customer__openid="o-no-broker", bound=True).count() == 1
