"""One person, one customer (CUS-12): merging two rows keeps every history, the owner follows the
attribution rules, HQ can undo it exactly, and bad merges are refused with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.errors import CustomerError
from customers.identity import identity_customer
from customers.ledgers import points_add, points_balance, points_spend, stored_value_balance, stored_value_top_up
from customers.merges import candidate_dismiss, customer_merge, merge_candidates, merge_undo
from customers.models import Customer, CustomerTag, Favourite, FollowUp, OwnerChange, PageType, ScanEvent, Tag
from customers.models.identity import CustomerIdentity, CustomerMerge
from invitations.models import InvitationEntry
from stores.services import qr_code_for
from tests.factories import CustomerFactory, OrderFactory
from wechat.identity import Identity
from wechat.models import Message

pytestmark = pytest.mark.django_db


def _bound(customer, days_ago):
    Customer.objects.filter(pk=customer.pk).update(bound_at=timezone.now() - timedelta(days=days_ago))
    customer.refresh_from_db()
    return customer


@pytest.fixture
def pair(org):
    """A product-code scanner bound to the colleague 10 days ago, and the same person seen later
    through the assistant's staff code (a second WeChat row), bound 2 days ago."""
    first = _bound(CustomerFactory(store=org.store_a1, owner_assistant=org.colleague, openid="o-first",
                                   name="王丽华", mobile="13900001111", community="翠湖天地"), 10)
    second = _bound(CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid="o-second",
                                    name="", mobile="", birthday=None), 2)
    return first, second


def _scan(customer, staff):
    code = qr_code_for(staff)
    return ScanEvent.objects.create(qr_code=code, customer=customer, target_type="staff", target_id=staff.pk,
                                    store=staff.store, staff=staff, channel=ScanEvent.Channel.OAUTH)


def test_a_merge_keeps_every_history_on_the_survivor(org, pair):
    first, second = pair
    scan = _scan(second, org.assistant)
    order = OrderFactory(customer=second)
    follow_up = FollowUp.objects.create(customer=second, staff=org.assistant, note="量房后回访")
    points_add(customer=second, points=300)
    points_add(customer=first, points=50)
    stored_value_top_up(customer=second, amount="200")

    merge = customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED, actor=org.manager.user)

    for row in (scan, order, follow_up):
        row.refresh_from_db()
        assert row.customer_id == first.pk
    assert points_balance(first) == 350 and points_balance(second) == 0
    assert stored_value_balance(first) == Decimal("200.00")
    # ledgers are append-only: the merged row keeps its entries, a pair of "merge" entries moves the balance
    assert second.points_entries.count() == 2 and first.points_entries.filter(kind="merge").get().delta == 300
    second.refresh_from_db()
    assert second.merged_into_id == first.pk and second.store_id is None and second.openid is None
    # the merged openid now resolves to the survivor
    assert identity_customer(Identity(openid="o-second"))[0].pk == first.pk
    assert merge.moved["customers.ScanEvent.customer"] == [scan.pk]


def test_no_list_shows_the_merged_row(org, pair):
    first, second = pair
    customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED, actor=org.manager.user)
    for role in ("hq", "manager"):
        assert not Customer.objects.visible_to(org.user(role)).filter(pk=second.pk).exists()
    assert Customer.objects.visible_to(org.user("hq")).filter(pk=first.pk).exists()


def test_the_survivor_takes_empty_fields_and_the_persons_choices(org, pair):
    first, second = pair
    Customer.objects.filter(pk=second.pk).update(birthday="1990-05-01", marketing_opt_out=True,
                                                 last_contacted_at=timezone.now())
    second.refresh_from_db()
    customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED, actor=org.manager.user)
    first.refresh_from_db()
    assert str(first.birthday) == "1990-05-01"
    assert first.name == "王丽华"  # the survivor's own value stays
    assert first.marketing_opt_out is True  # the person opted out through one of their accounts
    assert first.last_contacted_at is not None


def test_owner_is_the_earliest_binding_inside_its_protection_period_and_the_loser_is_told(org, pair, wechat_settings):
    first, second = pair
    org.assistant.wechat_openid = "o-staff-assistant"
    org.assistant.save()
    # merging the older row INTO the newer one: the older binding (colleague, 10 days, protected) still wins
    customer_merge(survivor=second, merged=first, reason=CustomerMerge.Reason.CONFIRMED, actor=org.manager.user)
    second.refresh_from_db()
    assert second.owner_assistant_id == org.colleague.pk
    change = OwnerChange.objects.filter(customer=second).latest("changed_at")
    assert change.reason == OwnerChange.Reason.MERGED and change.from_assistant_id == org.assistant.pk
    told = Message.objects.get(staff=org.assistant, purpose="staff_reminder")
    assert "合并" in told.data["thing1"]["value"]


def test_when_no_binding_is_protected_the_latest_binding_wins(org, pair):
    first, second = pair
    _bound(first, 400)
    _bound(second, 200)
    customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED, actor=org.manager.user)
    first.refresh_from_db()
    assert first.owner_assistant_id == org.assistant.pk


def test_twins_stay_with_the_merged_row_and_undo_puts_everything_back(org, pair):
    first, second = pair
    tag = Tag.objects.create(name="看过岛台")
    CustomerTag.objects.create(customer=first, tag=tag)
    twin = CustomerTag.objects.create(customer=second, tag=tag)
    Favourite.objects.create(customer=first, page_type=PageType.PRODUCT, page_id=7)
    own = Favourite.objects.create(customer=second, page_type=PageType.PRODUCT, page_id=8)
    scan = _scan(second, org.assistant)
    points_add(customer=second, points=120)
    before = {f: getattr(second, f) for f in ("openid", "store_id", "owner_assistant_id", "mobile", "name")}

    merge = customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED,
                           actor=org.manager.user)
    twin.refresh_from_db()
    own.refresh_from_db()
    assert twin.customer_id == second.pk and own.customer_id == first.pk

    merge_undo(merge=merge, actor=org.hq.user, reason="不是同一人")
    second.refresh_from_db()
    first.refresh_from_db()
    assert {f: getattr(second, f) for f in before} == before and second.merged_into_id is None
    own.refresh_from_db()
    scan.refresh_from_db()
    assert own.customer_id == second.pk and scan.customer_id == second.pk
    assert points_balance(second) == 120 and points_balance(first) == 0
    assert first.owner_assistant_id == org.colleague.pk
    assert identity_customer(Identity(openid="o-second"))[0].pk == second.pk
    assert not CustomerIdentity.objects.filter(customer=first).exists()
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undo_reason == "不是同一人"


def test_rows_added_after_the_merge_stay_with_the_survivor_on_undo(org, pair):
    first, second = pair
    merge = customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED,
                           actor=org.manager.user)
    later = _scan(first, org.colleague)
    merge_undo(merge=merge, actor=org.hq.user, reason="误合并")
    later.refresh_from_db()
    assert later.customer_id == first.pk


def test_undo_is_refused_when_the_moved_balance_was_spent(org, pair):
    first, second = pair
    points_add(customer=second, points=100)
    merge = customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED,
                           actor=org.manager.user)
    points_spend(customer=first, points=80)
    with pytest.raises(CustomerError, match="已被部分使用"):
        merge_undo(merge=merge, actor=org.hq.user, reason="误合并")
    second.refresh_from_db()
    assert second.merged_into_id == first.pk  # nothing changed


@pytest.mark.parametrize("role", ["manager", "supervisor", "assistant"])
def test_only_head_office_undoes_a_merge(org, pair, role):
    first, second = pair
    merge = customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED,
                           actor=org.manager.user)
    with pytest.raises(CustomerError, match="总部"):
        merge_undo(merge=merge, actor=org.user(role), reason="误合并")


def test_bad_merges_are_refused_with_a_reason_and_change_nothing(org, pair):
    first, second = pair
    with pytest.raises(CustomerError, match="自己"):
        customer_merge(survivor=first, merged=first, reason=CustomerMerge.Reason.CONFIRMED, actor=org.manager.user)
    Customer.objects.filter(pk=second.pk).update(erased_at=timezone.now())
    with pytest.raises(CustomerError, match="已删除|已抹除|删除"):
        customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED, actor=org.manager.user)
    elsewhere = CustomerFactory(store=org.store_b1)
    with pytest.raises(CustomerError, match="看到|范围"):
        customer_merge(survivor=first, merged=elsewhere, reason=CustomerMerge.Reason.CONFIRMED,
                       actor=org.manager.user)
    with pytest.raises(CustomerError):
        customer_merge(survivor=first, merged=CustomerFactory(store=org.store_a1),
                       reason=CustomerMerge.Reason.CONFIRMED, actor=org.assistant.user)
    assert not CustomerMerge.objects.exists()
    elsewhere.refresh_from_db()
    assert elsewhere.merged_into_id is None


def test_a_running_invitation_twin_is_ended_and_comes_back_on_undo(org, pair):
    from invitations.models import InvitationTask

    first, second = pair
    task = InvitationTask.objects.create(store=org.store_a1, title="生日邀约", created_by=org.manager,
                                         deadline=timezone.now() + timedelta(days=3))
    common = {"task": task, "assistant": org.assistant, "store": org.store_a1, "channel": "phone"}
    InvitationEntry.objects.create(customer=first, **common)
    other_task = InvitationTask.objects.create(store=org.store_a1, title="储值邀约", created_by=org.manager,
                                               deadline=timezone.now() + timedelta(days=3))
    left = InvitationEntry.objects.create(customer=second, **{**common, "task": other_task})
    merge = customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED,
                           actor=org.manager.user)
    left.refresh_from_db()
    assert left.customer_id == second.pk and left.active is False
    assert InvitationEntry.objects.filter(customer=first, active=True).count() == 1
    merge_undo(merge=merge, actor=org.hq.user, reason="误合并")
    left.refresh_from_db()
    assert left.active is True


def test_candidates_are_listed_for_the_manager_and_a_dismissed_pair_is_not_listed_again(org):
    a = CustomerFactory(store=org.store_a1, name="李建国", mobile="13700002222")
    b = CustomerFactory(store=org.store_a1, name="李先生", mobile="13700002222")
    c = CustomerFactory(store=org.store_a1, name="赵敏", community="滨江花园", mobile="13700003333")
    d = CustomerFactory(store=org.store_a1, name="赵敏", community="滨江花园", mobile="13700004444")
    CustomerFactory(store=org.store_b1, name="李建国北", mobile="13700002222")  # outside the manager's store
    found = {(x.first.pk, x.second.pk): x.why for x in merge_candidates(actor=org.manager.user)}
    assert found == {(a.pk, b.pk): "手机号相同", (c.pk, d.pk): "同小区同名"}
    candidate_dismiss(actor=org.manager.user, first=d, second=c)
    assert [(x.first.pk, x.second.pk) for x in merge_candidates(actor=org.manager.user)] == [(a.pk, b.pk)]
    assert merge_candidates(actor=org.assistant.user) == []  # none of them is the assistant's


def test_erasing_the_person_erases_the_merged_row_too_and_the_merge_stays(org, pair):
    from customers.privacy import customer_erase

    from customers.models import CustomerProfile

    first, second = pair
    CustomerProfile.objects.create(customer=first, notes="喜欢原木")
    kept_behind = CustomerProfile.objects.create(customer=second, notes="孩子3岁和5岁", family_notes="三代同住")
    merge = customer_merge(survivor=first, merged=second, reason=CustomerMerge.Reason.CONFIRMED,
                           actor=org.manager.user)
    customer_erase(customer=first, actor=org.hq.user)
    second.refresh_from_db()
    merge.refresh_from_db()
    kept_behind.refresh_from_db()
    assert second.erased_at is not None and second.name == "" and second.gender == ""
    assert (kept_behind.customer_id, kept_behind.notes, kept_behind.family_notes) == (second.pk, "", "")
    assert merge.before == {} and not CustomerIdentity.objects.filter(customer=first).exists()
    with pytest.raises(CustomerError, match="无法撤销"):
        merge_undo(merge=merge, actor=org.hq.user, reason="误合并")


def test_an_imported_record_without_wechat_takes_the_openid_and_gives_it_back_on_undo(org):
    imported = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid=None, name="赵敏",
                               mobile="13600001111")
    wechat_row = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, openid="o-zhao",
                                 unionid="u-zhao", name="", mobile="")
    merge = customer_merge(survivor=imported, merged=wechat_row, reason=CustomerMerge.Reason.CONFIRMED,
                           actor=org.manager.user)
    imported.refresh_from_db()
    assert (imported.openid, imported.unionid) == ("o-zhao", "u-zhao")  # messages now reach the person
    merge_undo(merge=merge, actor=org.hq.user, reason="不是同一人")
    imported.refresh_from_db()
    wechat_row.refresh_from_db()
    assert (imported.openid, imported.unionid) == (None, None)
    assert (wechat_row.openid, wechat_row.unionid) == ("o-zhao", "u-zhao")
