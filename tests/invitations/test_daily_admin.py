"""Head office in the admin (INV-10): the phone invitation log read-only with its filters, and daily
targets written through the morning meeting's service (same refusals as the dashboard)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from invitations.models import DailyTarget

from .daily_support import attempt, task_for

pytestmark = pytest.mark.django_db

ATTEMPTS = "/admin/invitations/invitationattempt/"
TARGETS = "/admin/invitations/dailytarget/"


@pytest.fixture
def hq(client, org):
    client.force_login(org.hq.user)  # an HQ operator (is_staff): the role opens the admin
    return client


@pytest.fixture
def attempts(org):
    mine, colleagues = task_for(org.manager, org.store_a1, [org.assistant, org.colleague], name="赵敏")
    return [attempt(mine, contact="reached", intent="yes", grade="A", note="A 类客户"),
            attempt(colleagues, contact="contact_failed", grade="C", note="C 类客户")]


def test_the_attempt_log_is_read_only(hq, attempts):
    listing = hq.get(ATTEMPTS)
    assert listing.status_code == 200
    assert "A 类客户" in listing.content.decode() and "C 类客户" in listing.content.decode()
    detail = hq.get(f"{ATTEMPTS}{attempts[0].pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert hq.get(f"{ATTEMPTS}add/").status_code == 403
    assert hq.post(f"{ATTEMPTS}{attempts[0].pk}/delete/", {"post": "yes"}).status_code == 403


@pytest.mark.parametrize("query, shown, hidden", [
    ("grade__exact=A", "A 类客户", "C 类客户"),
    ("contact__exact=contact_failed", "C 类客户", "A 类客户"),
])
def test_the_attempt_log_filters(hq, attempts, query, shown, hidden):
    page = hq.get(f"{ATTEMPTS}?{query}").content.decode()
    assert shown in page and hidden not in page


def test_the_attempt_log_filters_by_assistant_store_and_day(hq, org, attempts):
    page = hq.get(f"{ATTEMPTS}?assistant__id__exact={org.colleague.pk}").content.decode()
    assert "C 类客户" in page and "A 类客户" not in page
    assert "C 类客户" not in hq.get(f"{ATTEMPTS}?store__id__exact={org.store_a2.pk}").content.decode()
    yesterday = timezone.localdate() - timedelta(days=1)
    page = hq.get(f"{ATTEMPTS}?at__year={yesterday.year}&at__month={yesterday.month}&at__day={yesterday.day}")
    assert "A 类客户" not in page.content.decode()


def test_a_daily_target_is_added_through_the_service(hq, org):
    response = hq.post(f"{TARGETS}add/", {"assistant": org.assistant.pk, "day": timezone.localdate().isoformat(),
                                         "calls": "35", "group_invitations": "15"})
    assert response.status_code == 302
    row = DailyTarget.objects.get()
    assert (row.assistant, row.store, row.calls, row.set_by) == (org.assistant, org.store_a1, 35, org.hq)


@pytest.mark.parametrize("change, message", [
    ({"calls": "501"}, "须为 0 到 500 的整数"),
    ({"day": "2020-01-01"}, "只能设定今天或以后的目标"),
])
def test_the_admin_refuses_what_the_morning_meeting_refuses(hq, org, change, message):
    data = {"assistant": org.assistant.pk, "day": timezone.localdate().isoformat(), "calls": "35",
            "group_invitations": "15", **change}
    response = hq.post(f"{TARGETS}add/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not DailyTarget.objects.exists()


def test_only_assistants_are_offered_and_past_rows_are_history(hq, org):
    form = hq.get(f"{TARGETS}add/").content.decode()
    assert org.assistant.name in form and org.manager.name not in form
    past = DailyTarget.objects.create(store=org.store_a1, assistant=org.assistant,
                                      day=timezone.localdate() - timedelta(days=3), calls=50, group_invitations=30)
    detail = hq.get(f"{TARGETS}{past.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert hq.post(f"{TARGETS}{past.pk}/delete/", {"post": "yes"}).status_code == 403
