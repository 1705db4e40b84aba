"""Who opens seed 003's daily tables and which stores they see (ORG-3 through ``visible_to``):
HQ every store, a supervisor their region's, a manager their own, floor staff none on the
dashboard (their own log is in the workbench); another store asked for is 404."""

import pytest
from django.urls import reverse

from stores.models import Role
from tests.factories import StaffFactory

from .daily_support import attempt, task_for

pytestmark = pytest.mark.django_db

PAGES = ["daily_targets", "daily_log", "daily_successes", "daily_review"]


@pytest.mark.parametrize("page", [*PAGES, "daily_summary"])
@pytest.mark.parametrize("role, code", [("hq", 200), ("supervisor", 200), ("manager", 200), ("assistant", 302),
                                        ("partner", 302), ("outsider", 302)])
def test_who_opens_the_daily_tables(client, org, page, role, code):
    client.force_login(org.user(role))
    assert client.get(reverse(f"invitations:{page}")).status_code == code


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role, store, code", [
    ("hq", "store_b1", 200), ("supervisor", "store_a2", 200), ("supervisor", "store_b1", 404),
    ("manager", "store_a1", 200), ("manager", "store_a2", 404), ("manager", "store_b1", 404),
])
def test_a_store_outside_the_scope_is_404(client, org, page, role, store, code):
    client.force_login(org.user(role))
    assert client.get(reverse(f"invitations:{page}"), {"store": getattr(org, store).pk}).status_code == code


def test_another_stores_manager_sees_their_own_store_only(client, org):
    (entry,) = task_for(org.manager, org.store_a1, [org.assistant], name="徐汇的客户")
    attempt(entry, contact="reached", intent="yes", note="徐汇的记录")
    hangzhou = StaffFactory(role=Role.STORE_MANAGER, store=org.store_a2, user__username="t-mgr-hz")
    client.force_login(hangzhou.user)
    review = client.get(reverse("invitations:daily_review"))
    assert review.context["store"] == org.store_a2
    assert org.assistant.name not in review.content.decode()
    log = client.get(reverse("invitations:daily_log")).content.decode()
    assert "徐汇的记录" not in log
    assert client.get(reverse("invitations:daily_log"), {"store": org.store_a1.pk}).status_code == 404
    summary = client.get(reverse("invitations:daily_summary"))
    assert {row["store"] for d in summary.context["result"]["days"] for row in d["rows"]} == {org.store_a2}


def test_the_manager_lands_on_the_evening_review_head_office_on_the_summary(client, org):
    client.force_login(org.manager.user)
    assert client.get(reverse("invitations:daily")).url == reverse("invitations:daily_review")
    client.force_login(org.hq.user)
    assert client.get(reverse("invitations:daily")).url == reverse("invitations:daily_summary")


def test_the_assistant_sees_only_their_own_log_in_the_workbench(client, org):
    mine, colleagues = task_for(org.manager, org.store_a1, [org.assistant, org.colleague])
    attempt(mine, contact="reached", note="我打的")
    attempt(colleagues, contact="reached", note="同事打的")
    client.force_login(org.colleague.user)
    page = client.get(reverse("invitations_workbench:my_day")).content.decode()
    assert "同事打的" in page and "我打的" not in page
