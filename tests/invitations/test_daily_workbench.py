"""The assistant's side of seed 003's tables (INV-10): the feedback form records one attempt with
channel, grade and WeChat-group flag; the day's progress against the targets (Shanghai days); and
"my log today", the assistant's own only."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import IntentGradeChange
from invitations import daily
from invitations.models import DailyTarget, InvitationAttempt, InvitationEntry
from stores.models import HeadOffice

from .daily_support import attempt, local, task_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(org):
    """Two customers of the assistant (one a WeCom friend, graded B) and one of the colleague."""
    mine = task_for(org.manager, org.store_a1, [org.assistant], name="王芳", intent_grade="B", is_wecom_friend=True)
    mine += task_for(org.manager, org.store_a1, [org.assistant, org.colleague], title="老客回访", name="李雷")
    return mine


def signed_in(client, user):
    client.force_login(user)
    return client


def test_the_feedback_form_records_an_attempt_with_channel_grade_and_group(client, org, entries):
    # given the assistant's WeCom friend, suggested "WeCom chat", graded B
    entry = entries[0]
    assert entry.channel == InvitationEntry.Channel.WECOM
    # when they tap "will visit", grade A, "invited to the group", change the channel to phone, add a note, "reached"
    response = signed_in(client, org.assistant.user).post(
        reverse("invitations_workbench:feedback", args=[entry.pk]),
        {"contact": "reached", "intent": "yes", "grade": "A", "group_invited": "1", "channel": "phone",
         "note": "周六带家人来"}, HTTP_HX_REQUEST="true")
    # then one attempt holds it all, the entry the latest result, the customer the new grade with its history
    assert response.status_code == 200
    made = InvitationAttempt.objects.get(entry=entry)
    assert (made.channel, made.contact, made.intent, made.grade, made.group_invited, made.note) == (
        "phone", "reached", "yes", "A", True, "周六带家人来")
    assert made.assistant == org.assistant and made.store == org.store_a1
    entry.refresh_from_db()
    assert (entry.contact, entry.intent) == ("reached", "yes")
    entry.customer.refresh_from_db()
    assert entry.customer.intent_grade == "A"
    change = IntentGradeChange.objects.get(customer=entry.customer)
    assert (change.from_grade, change.to_grade, change.changed_by) == ("B", "A", org.assistant)
    # and the fragment shows the attempt count and the updated progress out of band
    body = response.content.decode()
    assert "已邀约 1 次" in body
    assert 'id="inv-progress" hx-swap-oob="true"' in body


def test_contact_failed_drops_the_intent_chip_and_keeps_the_suggested_channel(client, org, entries):
    entry = entries[1]  # not a friend: phone suggested
    signed_in(client, org.assistant.user).post(
        reverse("invitations_workbench:feedback", args=[entry.pk]),
        {"contact": "contact_failed", "intent": "yes", "grade": "C", "channel": ""}, HTTP_HX_REQUEST="true")
    made = InvitationAttempt.objects.get(entry=entry)
    assert (made.contact, made.intent, made.channel, made.grade, made.group_invited) == (
        "contact_failed", "", "phone", "C", False)


def test_the_todo_shows_progress_channel_note_grade_and_earlier_attempts(client, org, entries):
    InvitationEntry.objects.filter(pk=entries[0].pk).update(channel_note="群发额度已用完，改为一对一")
    attempt(entries[1], contact="contact_failed")
    page = signed_in(client, org.assistant.user).get(reverse("invitations_workbench:todo")).content.decode()
    assert "今日目标" in page and "总部默认" in page  # today's targets, head office's defaults
    assert "1 / 50" in page and "0 / 30" in page  # the failed phone call is a call
    assert "群发额度已用完，改为一对一" in page
    assert "已邀约 1 次" in page  # the failed customer was invited once
    # the customer's current grade is preselected, the suggested channel too
    assert 'name="grade" value="B" checked' in page
    assert 'name="channel" value="wecom" checked' in page
    assert "已联系上" in page and "建联失败" in page and "邀请进群" in page
    assert "李雷" in page and "王芳" in page


def test_a_failed_call_counts_as_a_call(org, entries):
    attempt(entries[1], contact="contact_failed")
    progress = daily.day_progress(org.assistant)
    assert (progress.calls, progress.group_invitations, progress.reached) == (1, 0, 0)


def test_progress_counts_customers_of_the_shanghai_day_only(org, entries):
    # given a day D and attempts just inside and just outside it, in Shanghai time
    day = timezone.localdate() - timedelta(days=3)
    first, second, _colleagues = entries
    attempt(first, contact="reached", intent="yes", group=True, at=local(day, 0, 30))  # D 00:30 = D-1 16:30 UTC
    attempt(second, contact="reached", group=True, at=local(day - timedelta(days=1), 23, 30))  # the day before
    attempt(second, contact="reached", intent="no", at=local(day + timedelta(days=1), 0, 10))  # the day after
    # when the assistant's progress of D is read
    progress = daily.day_progress(org.assistant, day)
    # then only the attempt of Shanghai day D counts (a UTC day would have taken the other two)
    assert (progress.calls, progress.group_invitations, progress.successes) == (1, 1, 1)


def test_a_second_attempt_on_the_same_customer_the_same_day_is_one_call(org, entries):
    first = entries[0]
    attempt(first, contact="reached")
    attempt(first, contact="reached", intent="yes")  # the intent question answered afterwards
    progress = daily.day_progress(org.assistant)
    assert (progress.calls, progress.reached, progress.successes) == (1, 1, 1)
    assert InvitationAttempt.objects.filter(entry=first).count() == 1  # the answer completes the call's row


def test_targets_are_head_offices_defaults_until_set(org):
    HeadOffice.objects.create(name="品牌", daily_call_target=40, daily_group_invitation_target=20)
    assert daily.day_progress(org.assistant).target == daily.Target(40, 20, False)
    daily.daily_targets_set(actor=org.manager.user, store=org.store_a1, day=timezone.localdate(),
                            targets={org.assistant.pk: {"calls": "60", "group_invitations": "10"}})
    assert daily.day_progress(org.assistant).target == daily.Target(60, 10, True)
    assert daily.day_progress(org.colleague).target == daily.Target(40, 20, False)


def test_the_home_shows_the_progress_header_with_the_day_target(client, org, entries):
    DailyTarget.objects.create(store=org.store_a1, assistant=org.assistant, day=timezone.localdate(), calls=20,
                               group_invitations=8, set_by=org.manager)
    attempt(entries[0], contact="reached", intent="yes", group=True)
    page = signed_in(client, org.assistant.user).get(reverse("workbench:home")).content.decode()
    assert "今日目标" in page and "晨会已定" in page  # set at the morning meeting
    assert "1 / 20" in page and "1 / 8" in page
    assert reverse("invitations_workbench:my_day") in page


def test_managers_on_the_workbench_home_get_no_progress_header(client, org):
    page = signed_in(client, org.manager.user).get(reverse("workbench:home")).content.decode()
    assert "今日目标" not in page


def test_my_log_today_lists_my_attempts_only(client, org, entries):
    first, second, colleagues = entries
    attempt(first, contact="reached", intent="yes", grade="A", group=True, note="周末到店")
    attempt(second, contact="contact_failed", grade="C")
    attempt(colleagues, contact="reached", note="同事的客户")
    attempt(second, contact="reached", at=timezone.now() - timedelta(days=2))  # another day
    page = signed_in(client, org.assistant.user).get(reverse("invitations_workbench:my_day")).content.decode()
    assert "我的今日记录" in page  # my log today
    assert "王芳" in page and "周末到店" in page and "有到店意向" in page and "已邀请进群" in page
    assert "李雷" in page and "建联失败" in page
    assert "同事的客户" not in page
    assert "2 次邀约" in page  # two attempts today, the third was two days ago
    earlier = signed_in(client, org.assistant.user).get(
        reverse("invitations_workbench:my_day"), {"day": (timezone.localdate() - timedelta(days=2)).isoformat()})
    assert "1 次邀约" in earlier.content.decode()


def test_my_log_never_shows_a_future_day(client, org):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    page = signed_in(client, org.assistant.user).get(reverse("invitations_workbench:my_day"), {"day": tomorrow})
    assert page.context["day"] == timezone.localdate()
