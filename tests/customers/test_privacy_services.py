"""Privacy services (CUS-11): reveal and its cap, masked calls, consent, PIPL export and erasure."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test import override_settings
from django.utils import timezone, translation

from customers.errors import CustomerError
from customers.models import (AfterSalesRecord, AuditLog, Consent, Customer, CustomerProfile, FollowUp,
                              LogisticsEvent, MaskedContactSession, Order, OwnerChange, PageView, PointsEntry,
                              PointsRedemption, PointsReward, PrivacyRequest, Review, ScanEvent, Share, ShareOpen,
                              StoredValueEntry)
from customers.privacy import (consent_record, consent_state, customer_data_export, customer_erase,
                               customer_ensure_editable, masked_contact_start, mobile_correct, mobile_reveal,
                               privacy_request_create, reveals_left_today)
from customers.relay import FakeRelayProvider, provider
from stores.models import Role
from stores.services import qr_code_for
from tests.factories import CustomerFactory, OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Error messages are matched in their English source form."""
    with translation.override("en"):
        yield


@pytest.fixture
def mine(org):
    """A customer of the assistant in store A1, with a number."""
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="13812341234")


def _reveals(customer=None):
    rows = AuditLog.objects.filter(action=AuditLog.Action.REVEAL_MOBILE)
    return rows.filter(customer_ref=customer.pk) if customer else rows


# --- Reveal ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["hq", "supervisor", "manager", "assistant"])
def test_staff_in_scope_reveal_a_number_and_each_reveal_is_logged(org, mine, role):
    user = org.user(role)

    number = mobile_reveal(customer=mine, actor=user, surface="workbench")

    assert number == "13812341234"
    entry = _reveals(mine).get()
    assert entry.actor == user and entry.customer == mine and entry.detail == {"surface": "workbench"}
    assert "13812341234" not in str(entry.detail) and entry.actor_name


@pytest.mark.parametrize("role", ["partner", "outsider"])
def test_partners_and_outsiders_never_reveal(org, mine, role):
    with pytest.raises(CustomerError):
        mobile_reveal(customer=mine, actor=org.user(role))
    assert not _reveals().exists()


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant"])
def test_staff_out_of_scope_cannot_reveal(org, mine, role):
    with pytest.raises(CustomerError, match="not found"):
        mobile_reveal(customer=mine, actor=getattr(org, role).user)
    assert not _reveals().exists()


def test_supervisor_of_another_region_cannot_reveal(org):
    north = Customer.objects.get(store=org.store_b1)

    with pytest.raises(CustomerError):
        mobile_reveal(customer=north, actor=org.supervisor.user)


def test_a_customer_without_a_number_has_nothing_to_reveal(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="")

    with pytest.raises(CustomerError, match="mobile"):
        mobile_reveal(customer=customer, actor=org.assistant.user)
    assert not _reveals().exists()


@override_settings(PRIVACY_REVEALS_PER_DAY=2)
def test_daily_cap_counts_different_customers_and_says_so_when_reached(org):
    first, second, third = (CustomerFactory(store=org.store_a1, owner_assistant=org.assistant) for _ in range(3))
    user = org.assistant.user
    mobile_reveal(customer=first, actor=user)
    mobile_reveal(customer=first, actor=user)  # the same customer again: logged, not counted twice
    mobile_reveal(customer=second, actor=user)
    assert reveals_left_today(actor=user) == 0

    with pytest.raises(CustomerError, match="daily limit"):
        mobile_reveal(customer=third, actor=user)

    assert _reveals().count() == 3
    # Customers already revealed today can still be seen again.
    assert mobile_reveal(customer=second, actor=user) == second.mobile
    # The cap is per staff member: a colleague in the same store is unaffected.
    assert mobile_reveal(customer=third, actor=org.manager.user) == third.mobile


@override_settings(PRIVACY_REVEALS_PER_DAY=1)
def test_yesterdays_reveals_do_not_count_today(org, mine):
    other = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant)
    mobile_reveal(customer=mine, actor=org.assistant.user)
    AuditLog.objects.update(created_at=timezone.now() - timedelta(days=1))

    assert mobile_reveal(customer=other, actor=org.assistant.user) == other.mobile


# --- Masked call -------------------------------------------------------------------------------------


def test_masked_call_binds_a_relay_number_and_reuses_a_live_binding(org, mine):
    org.assistant.phone = "13900000001"
    org.assistant.save()

    first = masked_contact_start(customer=mine, actor=org.assistant.user)
    again = masked_contact_start(customer=mine, actor=org.assistant.user)

    assert first.pk == again.pk and first.virtual_number.startswith("170")
    assert first.virtual_number not in (mine.mobile, org.assistant.phone)
    assert first.expires_at > timezone.now() + timedelta(minutes=29)
    binding = provider().bindings[first.provider_ref]
    assert binding[:2] == ("13900000001", "13812341234")
    calls = AuditLog.objects.filter(action=AuditLog.Action.MASKED_CALL, customer_ref=mine.pk)
    assert [c.detail["reused"] for c in calls.order_by("id")] == [False, True]
    assert not _reveals().exists()  # a masked call reveals nothing and costs no reveal


@override_settings(RELAY_SESSION_MINUTES=5)
def test_an_expired_binding_is_not_reused(org, mine):
    org.assistant.phone = "13900000001"
    org.assistant.save()
    first = masked_contact_start(customer=mine, actor=org.assistant.user)
    assert first.expires_at < timezone.now() + timedelta(minutes=6)
    MaskedContactSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    again = masked_contact_start(customer=mine, actor=org.assistant.user)

    assert again.pk != first.pk and MaskedContactSession.objects.count() == 2


def test_masked_call_needs_the_staff_members_own_phone(org, mine):
    org.assistant.phone = ""
    org.assistant.save()

    with pytest.raises(CustomerError, match="staff record"):
        masked_contact_start(customer=mine, actor=org.assistant.user)
    assert not MaskedContactSession.objects.exists() and not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ["partner", "outsider", "other_store_assistant"])
def test_masked_call_refused_outside_staff_scope(org, mine, role):
    user = org.user(role) if role in ("partner", "outsider") else org.other_store_assistant.user
    if role == "other_store_assistant":
        org.other_store_assistant.phone = "13900000002"
        org.other_store_assistant.save()

    with pytest.raises(CustomerError):
        masked_contact_start(customer=mine, actor=user)
    assert not MaskedContactSession.objects.exists()


class HookedRelay(FakeRelayProvider):
    """The fake relay, running ``on_bind`` while it binds (what happens elsewhere during the call)."""

    def __init__(self, on_bind=None):
        super().__init__()
        self.on_bind = on_bind
        self.calls = 0

    def bind(self, **kwargs):
        self.calls += 1
        binding = super().bind(**kwargs)
        if self.on_bind is not None:
            self.on_bind(binding)
        return binding


@pytest.fixture
def relay(monkeypatch, org):
    org.assistant.phone = "13900000001"
    org.assistant.save()
    hooked = HookedRelay()
    monkeypatch.setattr("customers.privacy.provider", lambda: hooked)
    return hooked


def test_the_relay_is_called_outside_the_services_transaction(org, mine, relay):
    """The relay is a network call: the customer row is not locked (no transaction open) meanwhile."""
    depth = len(connection.atomic_blocks)  # the test's own transaction
    seen = []
    relay.on_bind = lambda binding: seen.append(len(connection.atomic_blocks))

    masked_contact_start(customer=mine, actor=org.assistant.user)

    assert seen == [depth]


def test_a_binding_that_cannot_be_recorded_is_unbound(org, mine, relay, monkeypatch):
    def failing_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("customers.privacy.audit_record", failing_audit)

    with pytest.raises(RuntimeError):
        masked_contact_start(customer=mine, actor=org.assistant.user)

    assert relay.calls == 1 and relay.bindings == {}
    assert not MaskedContactSession.objects.exists()


def test_a_customer_erased_during_the_relay_call_gets_no_binding(org, mine, relay):
    relay.on_bind = lambda binding: customer_erase(customer=mine, actor=org.hq.user)

    with pytest.raises(CustomerError, match="erased"):
        masked_contact_start(customer=mine, actor=org.assistant.user)

    assert relay.bindings == {} and not MaskedContactSession.objects.exists()
    assert not AuditLog.objects.filter(action=AuditLog.Action.MASKED_CALL).exists()


def test_a_number_corrected_during_the_relay_call_is_not_bound_to_the_old_one(org, mine, relay):
    relay.on_bind = lambda binding: mobile_correct(customer=mine, actor=org.hq.user, mobile="13700001111")

    with pytest.raises(CustomerError, match="changed"):
        masked_contact_start(customer=mine, actor=org.assistant.user)

    assert relay.bindings == {} and not MaskedContactSession.objects.exists()


def test_a_call_of_the_same_pair_recorded_meanwhile_is_reused_and_the_spare_binding_ended(org, mine, relay):
    def other_call_wins(binding):
        relay.on_bind = None
        other = relay.bind(staff_phone=org.assistant.phone, customer_phone=mine.mobile, minutes=30)
        MaskedContactSession.objects.create(customer=mine, staff=org.assistant, virtual_number=other.virtual_number,
                                            provider_ref=other.provider_ref, expires_at=other.expires_at)

    relay.on_bind = other_call_wins

    session = masked_contact_start(customer=mine, actor=org.assistant.user)

    assert MaskedContactSession.objects.get() == session
    assert list(relay.bindings) == [session.provider_ref]  # ours was ended, the recorded one lives
    call = AuditLog.objects.get(action=AuditLog.Action.MASKED_CALL)
    assert call.detail == {"session": session.pk, "reused": True}


def test_a_live_binding_is_reused_without_calling_the_relay(org, mine, relay):
    first = masked_contact_start(customer=mine, actor=org.assistant.user)
    again = masked_contact_start(customer=mine, actor=org.assistant.user)

    assert again == first and relay.calls == 1


# --- Consent ------------------------------------------------------------------------------------------


def test_consent_history_is_kept_and_marketing_withdrawal_opts_out(org, mine):
    consent_record(customer=mine, purpose="marketing", granted=True, source="in_store", recorded_by=org.assistant)
    mine.refresh_from_db()
    assert mine.marketing_opt_out is False

    consent_record(customer=mine, purpose="marketing", granted=False, source="h5")
    mine.refresh_from_db()
    assert mine.marketing_opt_out is True

    consent_record(customer=mine, purpose="marketing", granted=True, source="h5")
    mine.refresh_from_db()
    assert mine.marketing_opt_out is False
    assert list(mine.consents.order_by("id").values_list("granted", flat=True)) == [True, False, True]
    state = {row["purpose"]: row["consent"] for row in consent_state(customer=mine)}
    assert state["marketing"].granted is True and state["profile"] is None


def test_other_purposes_do_not_touch_marketing_opt_out(org, mine):
    consent_record(customer=mine, purpose="profile", granted=False, source="h5")

    mine.refresh_from_db()
    assert mine.marketing_opt_out is False


@pytest.mark.parametrize("purpose, source", [("spam", "h5"), ("marketing", "fax")])
def test_unknown_purpose_or_source_is_refused(mine, purpose, source):
    with pytest.raises(CustomerError):
        consent_record(customer=mine, purpose=purpose, granted=True, source=source)
    assert not Consent.objects.exists()


def test_privacy_request_is_one_while_pending(mine):
    first = privacy_request_create(customer=mine, kind="copy")
    again = privacy_request_create(customer=mine, kind="copy")
    erase = privacy_request_create(customer=mine, kind="erasure")

    assert first.pk == again.pk and erase.pk != first.pk
    assert PrivacyRequest.objects.count() == 2


# --- PIPL export -------------------------------------------------------------------------------------


@pytest.fixture
def rich(org, mine):
    """A customer with something in every corner: profile, follow-up, order, points, review, scan..."""
    CustomerProfile.objects.create(customer=mine, notes="喜欢白色", preferences="安静", family_notes="两个孩子")
    FollowUp.objects.create(customer=mine, staff=org.assistant, kind="call", outcome="reached", note="周末来店")
    order = OrderFactory(customer=mine, amount="5200.00", note="客户说下午三点后在家，门禁8801")
    order.items.create(name="智能马桶", unit_price="5200.00", amount="5200.00")
    order.payments.create(kind="deposit", amount="1000.00")
    order.logistics.create(node="shipped", location="上海市徐汇区某路1号", note="放门口鞋柜，别按门铃，孩子睡觉")
    PointsEntry.objects.create(customer=mine, seq=1, kind="earn_order", delta=52, balance_after=52, order=order,
                               note="王女士生日双倍")
    reward = PointsReward.objects.create(name="清洁套装", kind="goods", points_cost=20)
    redemption = PointsRedemption.objects.create(customer=mine, reward=reward, points=20, status="reversed",
                                                 reversal_reason="王女士说家里已经有了")
    PointsEntry.objects.create(customer=mine, seq=2, kind="redeem", delta=-20, balance_after=32,
                               redemption=redemption, note="兑换")
    PointsEntry.objects.create(customer=mine, seq=3, kind="reversal", delta=20, balance_after=52,
                               redemption=redemption, note="退回")
    StoredValueEntry.objects.create(customer=mine, seq=1, kind="top_up", delta=Decimal("500.00"),
                                    balance_after=Decimal("500.00"), note="王女士先生代充")
    AfterSalesRecord.objects.create(customer=mine, order=order, kind="repair", description="马桶漏水，王女士在家")
    mine.grade_changes.create(from_grade="B", to_grade="A", note="王女士预算八万")
    OwnerChange.objects.create(customer=mine, reason="assigned", to_store=org.store_a1,
                               to_assistant=org.assistant, note="王女士要求换人")
    Review.objects.create(customer=mine, subject="store", store=org.store_a1, rating=5, comment="服务很好，王师傅")
    code = qr_code_for(org.assistant)
    ScanEvent.objects.create(qr_code=code, customer=mine, target_type="staff", target_id=org.assistant.pk,
                             store=org.store_a1, channel="oauth", user_agent="MicroMessenger/8.0 iPhone")
    PageView.objects.create(customer=mine, page_type="store", page_id=org.store_a1.pk)
    share = Share.objects.create(sharer=mine, page_type="store", page_id=org.store_a1.pk)
    friend = CustomerFactory(store=org.store_a1)
    ShareOpen.objects.create(share=share, customer=friend, user_agent="UA-friend")
    # The friend was bound through the share: their owner change names the sharer (QR-6).
    OwnerChange.objects.create(customer=friend, reason="shared_by_customer", to_store=org.store_a1,
                               note=mine.display_name)
    OwnerChange.objects.create(customer=friend, reason="reassigned", note="店长调整")
    ShareOpen.objects.create(share=Share.objects.create(page_type="store", page_id=1), customer=mine,
                             user_agent="UA-mine")
    consent_record(customer=mine, purpose="marketing", granted=True, source="in_store")
    mine.community, mine.address, mine.openid, mine.unionid = "绿城小区", "3栋1201", "o-mine", "u-mine"
    mine.birthday, mine.age = timezone.localdate().replace(year=1985), 41
    mine.save()
    return mine


def test_export_holds_everything_about_the_customer_and_is_audited(org, rich):
    document = customer_data_export(customer=rich, actor=org.hq.user)

    assert document["customer"]["mobile"] == "13812341234" and document["customer"]["openid"] == "o-mine"
    assert document["profile"]["notes"] == "喜欢白色"
    assert [f["note"] for f in document["follow_ups"]] == ["周末来店"]
    (order,) = document["orders"]
    assert order["amount"] == "5200.00" and order["items"][0]["name"] == "智能马桶"
    assert order["payments"][0]["amount"] == "1000.00" and order["logistics"][0]["node"] == "shipped"
    assert document["points_ledger"][0]["delta"] == 52
    assert document["reviews"][0]["comment"] == "服务很好，王师傅"
    assert len(document["scans"]) == 1 and len(document["page_views"]) == 1
    assert document["shares"][0]["opens"] == 1 and document["share_opens"][0]["user_agent"] == "UA-mine"
    assert document["consents"][0]["purpose"] == "marketing"
    entry = AuditLog.objects.get(action=AuditLog.Action.PIPL_EXPORT)
    assert entry.customer_ref == rich.pk and entry.actor == org.hq.user and entry.rows >= 10


@pytest.mark.parametrize("role", ["supervisor", "manager", "assistant", "partner", "outsider"])
def test_only_head_office_exports_or_erases(org, rich, role):
    with pytest.raises(CustomerError, match="head office"):
        customer_data_export(customer=rich, actor=org.user(role))
    with pytest.raises(CustomerError, match="head office"):
        customer_erase(customer=rich, actor=org.user(role))
    rich.refresh_from_db()
    assert rich.erased_at is None and rich.name and not AuditLog.objects.exists()


def test_export_marks_the_customers_copy_request_done(org, mine):
    request = privacy_request_create(customer=mine, kind="copy")

    customer_data_export(customer=mine, actor=org.hq.user)

    request.refresh_from_db()
    assert request.status == "done" and request.handled_by == org.hq.user


# --- PIPL erasure ------------------------------------------------------------------------------------


def _figures():
    per_store = {row["store"]: (row["n"], row["total"]) for row in
                 Order.objects.values("store").annotate(n=Count("id"), total=Sum("amount")).order_by("store")}
    return {
        "orders_per_store": per_store,
        "customers": Customer.objects.count(),
        "customers_per_store": dict(Customer.objects.values_list("store").annotate(n=Count("id")).order_by("store")),
        "payments": Order.objects.aggregate(s=Sum("payments__amount"))["s"],
        "points": (PointsEntry.objects.count(), PointsEntry.objects.aggregate(s=Sum("delta"))["s"]),
        "stored_value": (StoredValueEntry.objects.count(), StoredValueEntry.objects.aggregate(s=Sum("delta"))["s"]),
        "redemptions": (PointsRedemption.objects.count(), PointsRedemption.objects.aggregate(s=Sum("points"))["s"]),
        "logistics": LogisticsEvent.objects.count(),
        "owner_changes": OwnerChange.objects.count(),
        "after_sales": AfterSalesRecord.objects.count(),
        "scans": ScanEvent.objects.count(),
        "reviews": (Review.objects.count(), Review.objects.aggregate(s=Sum("rating"))["s"]),
    }


def test_erasure_blanks_personal_data_and_keeps_every_figure(org, rich, django_capture_on_commit_callbacks):
    before = _figures()
    org.assistant.phone = "13900000001"
    org.assistant.save()
    session = masked_contact_start(customer=rich, actor=org.assistant.user)
    assert session.provider_ref in provider().bindings

    with django_capture_on_commit_callbacks(execute=True):
        customer_erase(customer=rich, actor=org.hq.user)

    assert _figures() == before
    rich.refresh_from_db()
    assert rich.erased_at is not None
    assert (rich.name, rich.mobile, rich.community, rich.address) == ("", "", "", "")
    assert rich.openid is None and rich.unionid is None and rich.birthday is None and rich.age is None
    assert rich.marketing_opt_out is True
    profile = CustomerProfile.objects.get(customer=rich)
    assert (profile.notes, profile.preferences, profile.family_notes) == ("", "", "")
    assert list(FollowUp.objects.filter(customer=rich).values_list("note", flat=True)) == [""]
    assert list(Review.objects.filter(customer=rich).values_list("comment", flat=True)) == [""]
    assert list(ScanEvent.objects.filter(customer=rich).values_list("user_agent", flat=True)) == [""]
    assert list(ShareOpen.objects.filter(customer=rich).values_list("user_agent", flat=True)) == [""]
    # The friend who opened the erased customer's share keeps their own row untouched.
    assert ShareOpen.objects.filter(user_agent="UA-friend").exists()
    assert Order.objects.get(customer=rich).logistics.get().location == ""
    # Free text about the customer is blank everywhere; the rows (and their figures) stay.
    free_text = {
        "order notes": Order.objects.filter(customer=rich).values_list("note", flat=True),
        "logistics notes": LogisticsEvent.objects.filter(order__customer=rich).values_list("note", flat=True),
        "points notes": PointsEntry.objects.filter(customer=rich).values_list("note", flat=True),
        "stored-value notes": StoredValueEntry.objects.filter(customer=rich).values_list("note", flat=True),
        "reversal reasons": PointsRedemption.objects.filter(customer=rich).values_list("reversal_reason", flat=True),
        "after-sales": AfterSalesRecord.objects.filter(customer=rich).values_list("description", flat=True),
        "owner changes": OwnerChange.objects.filter(customer=rich).values_list("note", flat=True),
        "grade notes": rich.grade_changes.values_list("note", flat=True),
    }
    assert {name: sorted(set(values)) for name, values in free_text.items()} == {
        name: [""] for name in free_text}
    # The friend's owner change no longer names the erased sharer; their other history is theirs.
    friend_changes = dict(OwnerChange.objects.exclude(customer=rich).values_list("reason", "note"))
    assert friend_changes == {"shared_by_customer": "", "reassigned": "店长调整"}
    assert not MaskedContactSession.objects.filter(customer=rich).exists()
    assert session.provider_ref not in provider().bindings  # the relay was told after commit
    entry = AuditLog.objects.get(action=AuditLog.Action.ERASURE)
    assert entry.customer_ref == rich.pk and entry.customer_id == rich.pk and entry.detail["follow_ups"] == 1
    # Earlier audit rows about the customer survive the erasure.
    assert AuditLog.objects.filter(action=AuditLog.Action.MASKED_CALL, customer_ref=rich.pk).exists()


def test_erasure_is_idempotent(org, rich):
    customer_erase(customer=rich, actor=org.hq.user)
    rich.refresh_from_db()
    erased_at = rich.erased_at
    figures = _figures()

    again = customer_erase(customer=rich, actor=org.hq.user)

    assert again.erased_at == erased_at and _figures() == figures
    assert AuditLog.objects.filter(action=AuditLog.Action.ERASURE).count() == 1


def test_an_erased_customer_cannot_be_changed_revealed_or_called(org, rich):
    privacy_request_create(customer=rich, kind="erasure")
    customer_erase(customer=rich, actor=org.hq.user)
    rich.refresh_from_db()
    org.assistant.phone = "13900000001"
    org.assistant.save()

    assert PrivacyRequest.objects.get().status == "done"
    for attempt in (
        lambda: customer_ensure_editable(rich),
        lambda: consent_record(customer=rich, purpose="marketing", granted=True, source="h5"),
        lambda: mobile_reveal(customer=rich, actor=org.assistant.user),
        lambda: masked_contact_start(customer=rich, actor=org.assistant.user),
        lambda: mobile_correct(customer=rich, actor=org.hq.user, mobile="13700000000"),
        lambda: privacy_request_create(customer=rich, kind="copy"),
    ):
        with pytest.raises(CustomerError, match="erased"):
            attempt()
    rich.refresh_from_db()
    assert rich.mobile == "" and rich.marketing_opt_out is True


def test_erasure_keeps_a_customer_count_per_store_with_many_customers(org):
    store = org.store_a2
    customers = [CustomerFactory(store=store) for _ in range(3)]
    for customer in customers:
        OrderFactory(customer=customer, amount=Decimal("100.10"))
    before = _figures()

    for customer in customers[:2]:
        customer_erase(customer=customer, actor=org.hq.user)

    assert _figures() == before
    assert Customer.objects.filter(store=store, erased_at__isnull=False).count() == 2


# --- Correcting a number -----------------------------------------------------------------------------


def test_head_office_corrects_a_number_and_the_change_is_logged(org, mine):
    mobile_correct(customer=mine, actor=org.hq.user, mobile="13700001111")

    mine.refresh_from_db()
    assert mine.mobile == "13700001111"
    assert AuditLog.objects.get().action == AuditLog.Action.MOBILE_CHANGE


@pytest.mark.parametrize("mobile", ["12345", "23800001111", "13812341234"])
def test_a_bad_or_unchanged_number_is_refused(org, mine, mobile):
    with pytest.raises(CustomerError):
        mobile_correct(customer=mine, actor=org.hq.user, mobile=mobile)
    mine.refresh_from_db()
    assert mine.mobile == "13812341234" and not AuditLog.objects.exists()


def test_only_head_office_corrects_a_number(org, mine):
    with pytest.raises(CustomerError):
        mobile_correct(customer=mine, actor=org.manager.user, mobile="13700001111")


def test_designer_is_floor_staff_and_may_reveal_own_customers(org):
    designer = StaffFactory(role=Role.DESIGNER, store=org.store_a1)
    customer = CustomerFactory(store=org.store_a1, owner_assistant=designer)

    assert mobile_reveal(customer=customer, actor=designer.user) == customer.mobile
