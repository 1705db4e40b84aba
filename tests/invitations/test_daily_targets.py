"""The morning meeting (晨会, INV-10): the day's targets of a store's assistants, prefilled from the
rows or head office's defaults and saved in one action; refused as a whole when one number is
wrong or one member of staff is not an assistant of the store. And the evening review's one-tap
reminder for an assistant who is behind."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from invitations import daily
from invitations.errors import InvitationError
from invitations.models import DailyTarget
from stores.models import Role
from tests.factories import StaffFactory
from wechat.models import Message

from .daily_support import attempt, task_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def both(calls, groups):
    return {"calls": calls, "group_invitations": groups}


def saved(org):
    return dict(DailyTarget.objects.filter(day=TODAY()).values_list("assistant", "calls"))


def test_targets_are_set_for_every_assistant_in_one_action(org):
    rows = daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY(), targets={
        org.assistant.pk: both("60", "20"), str(org.colleague.pk): both(40, "35")})
    assert len(rows) == 2
    assert saved(org) == {org.assistant.pk: 60, org.colleague.pk: 40}
    # setting again updates the same rows
    daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY(),
                            targets={org.assistant.pk: both("0", "0")})
    assert saved(org) == {org.assistant.pk: 0, org.colleague.pk: 40}
    row = DailyTarget.objects.get(assistant=org.assistant, day=TODAY())
    assert (row.group_invitations, row.set_by, row.store) == (0, org.manager, org.store_a1)


@pytest.mark.parametrize("bad", ["12.5", "-1", "501", "abc", "", " ", "1e2", "²", None])
def test_a_bad_number_refuses_the_whole_set(org, in_english, bad):
    DailyTarget.objects.create(store=org.store_a1, assistant=org.colleague, day=TODAY(), calls=45,
                               group_invitations=25)
    with pytest.raises(InvitationError, match="must be a whole number from 0 to 500"):
        daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY(), targets={
            org.colleague.pk: both("10", "10"), org.assistant.pk: both("50", bad)})
    assert saved(org) == {org.colleague.pk: 45}  # the good row was not saved either


@pytest.mark.parametrize("who", ["other_store_assistant", "manager", "partner_staff"])
def test_someone_not_an_assistant_of_the_store_refuses_the_whole_set(org, in_english, who):
    member = {"other_store_assistant": org.other_store_assistant, "manager": org.manager,
              "partner_staff": StaffFactory(role=Role.DESIGNER, store=org.store_a1)}[who]
    with pytest.raises(InvitationError, match="only for the assistants of"):
        daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY(), targets={
            org.assistant.pk: both(50, 30), member.pk: both(50, 30)})
    assert not DailyTarget.objects.exists()


def test_a_left_assistant_gets_no_target(org, in_english):
    org.colleague.is_active = False
    org.colleague.save()
    with pytest.raises(InvitationError):
        daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY(),
                                targets={org.colleague.pk: both(50, 30)})


@pytest.mark.parametrize("role, store, allowed", [
    ("manager", "store_a1", True), ("supervisor", "store_a2", True), ("hq", "store_b1", True),
    ("manager", "store_a2", False), ("supervisor", "store_b1", False), ("assistant", "store_a1", False),
])
def test_who_sets_targets_for_which_store(org, role, store, allowed):
    store = getattr(org, store)
    assistant = store.staff.filter(role=Role.ASSISTANT).first()
    call = dict(actor=org.user(role), store=store, day=TODAY(), targets={assistant.pk: both(20, 10)})
    if allowed:
        daily.daily_targets_set(**call)
        assert DailyTarget.objects.filter(assistant=assistant).exists()
    else:
        with pytest.raises(InvitationError):
            daily.daily_targets_set(**call)
        assert not DailyTarget.objects.exists()


def test_past_days_are_refused_future_days_allowed(org, in_english):
    with pytest.raises(InvitationError, match="today or a later day"):
        daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY() - timedelta(days=1),
                                targets={org.assistant.pk: both(50, 30)})
    daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY() + timedelta(days=1),
                            targets={org.assistant.pk: both(50, 30)})
    assert DailyTarget.objects.get().day == TODAY() + timedelta(days=1)


def test_morning_meeting_page_prefills_defaults_and_saves_all(client, org):
    DailyTarget.objects.create(store=org.store_a1, assistant=org.colleague, day=TODAY(), calls=45,
                               group_invitations=25, set_by=org.manager)
    client.force_login(org.manager.user)
    page = client.get(reverse("invitations:daily_targets")).content.decode()
    assert "晨会" in page and "总部默认" in page and f"{org.manager.name} 设定" in page
    assert f'name="calls_{org.assistant.pk}" value="50"' in page  # head office's default
    assert f'name="calls_{org.colleague.pk}" value="45"' in page  # the row of today
    response = client.post(reverse("invitations:daily_targets"), {
        "store": org.store_a1.pk, "day": TODAY().isoformat(),
        f"calls_{org.assistant.pk}": "55", f"group_invitations_{org.assistant.pk}": "20",
        f"calls_{org.colleague.pk}": "30", f"group_invitations_{org.colleague.pk}": "40"})
    assert response.status_code == 302
    assert saved(org) == {org.assistant.pk: 55, org.colleague.pk: 30}
    assert "已保存 2 位导购" in client.get(response.url).content.decode()


def test_morning_meeting_page_refuses_a_bad_number_with_the_reason(client, org):
    client.force_login(org.manager.user)
    response = client.post(reverse("invitations:daily_targets"), {
        "store": org.store_a1.pk, f"calls_{org.assistant.pk}": "55", f"group_invitations_{org.assistant.pk}": "20",
        f"calls_{org.colleague.pk}": "七十", f"group_invitations_{org.colleague.pk}": "40"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"{org.colleague.name} 的电话邀约目标须为 0 到 500 的整数" in page
    assert 'value="七十"' in page  # what was typed stays in the form
    assert not DailyTarget.objects.exists()


def test_morning_meeting_page_of_another_store_is_404_for_a_manager(client, org):
    client.force_login(org.manager.user)
    assert client.get(reverse("invitations:daily_targets"), {"store": org.store_a2.pk}).status_code == 404
    response = client.post(reverse("invitations:daily_targets"), {
        "store": org.store_a2.pk, f"calls_{org.other_store_assistant.pk}": "1",
        f"group_invitations_{org.other_store_assistant.pk}": "1"})
    assert response.status_code == 404 and not DailyTarget.objects.exists()


# --- The evening review's reminder -----------------------------------------------------------------

def test_remind_an_assistant_behind_today_once_a_day(client, org):
    org.colleague.wechat_openid = "o-colleague"
    org.colleague.save()
    client.force_login(org.manager.user)
    url = reverse("invitations:daily_remind", args=[org.colleague.pk])
    first = client.post(url, HTTP_HX_REQUEST="true")
    second = client.post(url, HTTP_HX_REQUEST="true")
    assert first.status_code == second.status_code == 200 and "已提醒" in second.content.decode()
    message = Message.objects.get(staff=org.colleague)
    assert message.purpose == "staff_reminder" and message.data["thing2"]["value"].startswith("电话 0/50")
    assert message.url.endswith(reverse("invitations_workbench:my_day"))
    page = client.get(reverse("invitations:daily_review")).content.decode()
    assert "已提醒" in page


def test_no_reminder_for_an_assistant_who_met_the_targets(client, org):
    daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=TODAY(),
                            targets={org.assistant.pk: both(1, 0)})
    (entry,) = task_for(org.manager, org.store_a1, [org.assistant])
    attempt(entry, contact="reached")
    org.assistant.wechat_openid = "o-assistant"
    org.assistant.save()
    client.force_login(org.manager.user)
    response = client.post(reverse("invitations:daily_remind", args=[org.assistant.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "已完成今天的目标" in response.content.decode()
    assert not Message.objects.exists()
    page = client.get(reverse("invitations:daily_review")).content.decode()
    assert reverse("invitations:daily_remind", args=[org.assistant.pk]) not in page
    assert reverse("invitations:daily_remind", args=[org.colleague.pk]) in page


def test_an_assistant_without_wechat_is_named_to_remind_in_person(client, org):
    client.force_login(org.manager.user)
    response = client.post(reverse("invitations:daily_remind", args=[org.colleague.pk]), follow=True)
    assert "未绑定微信" in response.content.decode()
    assert not Message.objects.exists()


def test_another_stores_assistant_cannot_be_reminded(client, org):
    org.other_store_assistant.wechat_openid = "o-other"
    org.other_store_assistant.save()
    client.force_login(org.manager.user)
    response = client.post(reverse("invitations:daily_remind", args=[org.other_store_assistant.pk]))
    assert response.status_code == 404 and not Message.objects.exists()
