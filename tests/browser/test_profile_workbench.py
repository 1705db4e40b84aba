"""On a phone: the assistant sets a grade with one tap, toggles a tag, and records a follow-up in
one submit; the header follows without a page load (htmx), and the home lists what is due."""

import pytest
from django.utils import timezone

from customers.models import Customer, CustomerTag, FollowUp
from tests.factories import CustomerFactory, TagFactory

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(phone, live_server, user):
    user.set_password("Shop-floor-2026")
    user.save()
    phone.goto(f"{live_server.url}/m/login/")
    phone.fill("#id_username", user.username)
    phone.fill("#id_password", "Shop-floor-2026")
    phone.get_by_role("button", name="登录").click()
    phone.wait_for_url(f"{live_server.url}/m/")


def test_grade_tag_and_follow_up_in_a_few_taps(live_server, org, phone):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王芳", community="万科城",
                               intent_grade="B", next_follow_up_on=timezone.localdate())
    TagFactory(name="预算充足")
    sign_in(phone, live_server, org.assistant.user)
    assert "王芳" in phone.text_content(".todo")  # due today, on the home
    screenshot(phone, "profile-home-todo")

    phone.goto(f"{live_server.url}/m/customers/{customer.pk}/profile/")
    phone.locator("button.grade-chip_A").click()
    phone.wait_for_selector("button.grade-chip_A.is-on")
    assert phone.text_content("#customer-header .grade") == "A"  # the header followed, no reload
    phone.get_by_role("button", name="+ 预算充足").click()
    phone.wait_for_selector("#customer-header .tag:has-text('预算充足')")
    assert CustomerTag.objects.filter(customer=customer, tag__name="预算充足").exists()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "profile-tab")

    phone.locator(".customer-tabs__item").nth(2).click()
    phone.wait_for_selector(".quick-follow-up")
    phone.locator(".quick-follow-up input[name=kind][value=wecom] + span").click()
    phone.locator(".quick-follow-up input[name=outcome][value=appointment] + span").click()
    phone.locator(".quick-follow-up input[name=next_in][value='7'] + span").click()
    phone.fill(".quick-follow-up textarea[name=note]", "约了周六来店")
    phone.locator(".quick-follow-up button[type=submit]").click()
    phone.wait_for_selector(".fu__note:has-text('约了周六来店')")
    follow_up = FollowUp.objects.get(customer=customer)
    assert (follow_up.kind, follow_up.outcome) == ("wecom", "appointment")
    assert Customer.objects.get(pk=customer.pk).next_follow_up_on == follow_up.next_follow_up_on
    assert "今天" not in phone.text_content("#customer-header .chead__next")
    screenshot(phone, "profile-follow-ups")
