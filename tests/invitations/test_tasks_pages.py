"""The manager's task pages on the dashboard and the assistant's to-do in the workbench."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Payment
from invitations.models import InvitationEntry, InvitationTask
from invitations.services import invitation_feedback_record, invitation_task_dispatch
from tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(org):
    return [CustomerFactory(store=org.store_a1, owner_assistant=owner, name=f"顾客{i}")
            for i, owner in enumerate((org.assistant, org.assistant, org.colleague))]


@pytest.fixture
def task(org, customers):
    return invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[c.pk for c in customers],
                                    title="生日邀约")


def signed_in(client, org, role):
    client.force_login(org.user(role))
    return client


def test_dispatch_from_the_segment_page_form(client, org, customers):
    signed_in(client, org, "manager")
    response = client.post(reverse("invitations:dispatch"), {
        "store": org.store_a1.pk, "customers": [c.pk for c in customers[:2]], "method": "one_to_one",
        "deadline": (timezone.localtime() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
    })
    task = InvitationTask.objects.get()
    assert response.status_code == 302 and response.url == reverse("invitations:task", args=[task.pk])
    assert task.entries.count() == 2
    assert timezone.localtime(task.deadline).date() == (timezone.localtime() + timedelta(days=5)).date()


def test_manual_dispatch_with_comma_separated_ids(client, org, customers):
    signed_in(client, org, "manager")
    client.post(reverse("invitations:dispatch"), {"store": org.store_a1.pk,
                                                  "customers": ",".join(str(c.pk) for c in customers)})
    assert InvitationTask.objects.get().entries.count() == 3


def test_refused_dispatch_goes_back_with_the_reasons(client, org, customers, in_english):
    outside = CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant)
    signed_in(client, org, "manager")
    back = "/dashboard/invitations/segments/birthday/?store=1"
    response = client.post(reverse("invitations:dispatch"), {
        "store": org.store_a1.pk, "customers": [customers[0].pk, outside.pk], "next": back}, follow=False)
    assert response.status_code == 302 and response.url == back
    assert not InvitationTask.objects.exists()
    page = client.get(reverse("invitations:tasks"))
    assert f"#{outside.pk}" in page.content.decode() and "不存在或不在您的权限范围内" in page.content.decode()


def test_task_list_and_detail_show_results_without_zero_figures(client, org, task, in_english):
    entry = task.entries.filter(assistant=org.assistant).first()
    invitation_feedback_record(actor=org.assistant.user, entry=entry, contact="reached", intent="yes")
    order = OrderFactory(customer=entry.customer)
    Payment.objects.create(order=order, kind="in_store", amount="888.00", paid_at=timezone.now())
    signed_in(client, org, "manager")
    listing = client.get(reverse("invitations:tasks")).content.decode()
    assert "生日邀约" in listing
    page = client.get(reverse("invitations:task", args=[task.pk])).content.decode()
    assert "有到店意向" in page and "待反馈" in page and "888.00" in page  # with intent, awaiting feedback
    # zero figures are hidden: nobody without intent, nobody failed
    assert '<div class="label">无到店意向</div>' not in page  # without intent
    assert '<div class="label">建联失败</div>' not in page  # contact failed
    assert '<div class="label">有到店意向</div>' in page  # the same markup for a figure that is not zero
    assert org.assistant.name in page and org.colleague.name in page


def test_task_list_filters_by_status_as_a_partial(client, org, task):
    signed_in(client, org, "manager")
    response = client.get(reverse("invitations:tasks"), {"status": "ended"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "生日邀约" not in body


@pytest.mark.parametrize("role, code", [("hq", 200), ("supervisor", 200), ("manager", 200), ("assistant", 302),
                                        ("outsider", 302)])
def test_task_detail_scope(client, org, task, role, code):
    response = signed_in(client, org, role).get(reverse("invitations:task", args=[task.pk]))
    assert response.status_code == code


def test_task_of_another_region_is_404(client, org):
    customer = CustomerFactory(store=org.store_a2, owner_assistant=org.other_store_assistant)
    task = invitation_task_dispatch(actor=org.hq.user, store=org.store_a2, customer_ids=[customer.pk])
    response = signed_in(client, org, "manager").get(reverse("invitations:task", args=[task.pk]))
    assert response.status_code == 404


def test_end_and_urge_buttons(client, org, task):
    signed_in(client, org, "manager")
    org.assistant.wechat_openid = "o-a"
    org.assistant.save()
    urge = client.post(reverse("invitations:task_urge", args=[task.pk]), follow=True)
    assert org.assistant.name in urge.content.decode()
    client.post(reverse("invitations:task_end", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == InvitationTask.Status.ENDED


def test_assistant_todo_shows_own_entries_awaiting_first(client, org, task):
    mine = list(task.entries.filter(assistant=org.assistant).order_by("pk"))
    invitation_feedback_record(actor=org.assistant.user, entry=mine[1], contact="contact_failed")
    control = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="对照客户")
    other = invitation_task_dispatch(actor=org.manager.user, store=org.store_a1, customer_ids=[control.pk])
    InvitationEntry.objects.filter(task=other).update(is_control=True)
    page = signed_in(client, org, "assistant").get(reverse("invitations_workbench:todo")).content.decode()
    assert "生日邀约" in page
    assert page.index(mine[0].customer.name) < page.index(mine[1].customer.name)  # awaiting before done
    assert "顾客2" not in page  # the colleague's customer
    assert "对照客户" not in page  # control entries are never shown
    assert reverse("workbench:customer", args=[mine[0].customer_id]) in page


def test_one_tap_feedback_in_place(client, org, task):
    entry = task.entries.filter(assistant=org.assistant).first()
    signed_in(client, org, "assistant")
    url = reverse("invitations_workbench:feedback", args=[entry.pk])
    first = client.post(url, {"contact": "reached"}, HTTP_HX_REQUEST="true")
    assert first.status_code == 200 and f'id="inv-entry-{entry.pk}"' in first.content.decode()
    assert "intent" in first.content.decode()  # the intent buttons follow
    client.post(url, {"contact": "reached", "intent": "yes"}, HTTP_HX_REQUEST="true")
    entry.refresh_from_db()
    assert (entry.contact, entry.intent) == ("reached", "yes")


def test_refused_feedback_answers_400_in_place(client, org, task, in_english):
    entry = task.entries.filter(assistant=org.assistant).first()
    signed_in(client, org, "assistant")
    response = client.post(reverse("invitations_workbench:feedback", args=[entry.pk]), {"contact": "maybe"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "未知的联系结果" in response.content.decode()  # unknown contact result
    entry.refresh_from_db()
    assert entry.contact == ""


def test_colleague_cannot_give_feedback_on_my_entry(client, org, task):
    entry = task.entries.filter(assistant=org.assistant).first()
    response = signed_in(client, org, "colleague").post(
        reverse("invitations_workbench:feedback", args=[entry.pk]), {"contact": "reached"})
    assert response.status_code == 404


def test_workbench_home_links_the_todo_with_its_count(client, org, task):
    page = signed_in(client, org, "assistant").get(reverse("workbench:home")).content.decode()
    assert f'href="{reverse("invitations_workbench:todo")}"><b>2</b>' in page
