"""Privacy on the surfaces (CUS-11): the workbench contact buttons, the customer's H5 privacy page,
and the admin (audit log, masked number with a logged reveal, PIPL export and erasure)."""

import json

import pytest
from django.urls import reverse

from customers.models import AuditLog, Consent, Customer, Order, PrivacyRequest
from tests.customers.conftest import as_wechat_user
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client, settings):
    """Assertions read the English source strings: pick English with the language switch's cookie."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def mine(org):
    return CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, mobile="13812341234",
                           is_wecom_friend=True)


# --- Workbench -----------------------------------------------------------------------------------


def test_customer_header_shows_contact_buttons_and_only_the_masked_number(client, org, mine):
    client.force_login(org.assistant.user)

    page = client.get(reverse("workbench:customer", args=[mine.pk])).content.decode()

    assert "138****1234" in page and "13812341234" not in page
    for label in ("Call", "WeCom chat", "Show number", "Consent"):
        assert label in page or label in page.replace("&#x27;", "'")
    assert reverse("workbench:customer_reveal_mobile", args=[mine.pk]) in page


def test_wecom_button_only_for_wecom_friends(client, org):
    stranger = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, is_wecom_friend=False)
    client.force_login(org.assistant.user)

    page = client.get(reverse("workbench:customer", args=[stranger.pk])).content.decode()

    assert "contact__wecom" not in page and "contact__call" in page


def test_show_number_over_htmx_answers_the_number_in_place_and_logs_it(client, org, mine):
    client.force_login(org.assistant.user)

    response = client.post(reverse("workbench:customer_reveal_mobile", args=[mine.pk]), **HTMX)

    body = response.content.decode()
    assert response.status_code == 200 and 'href="tel:13812341234"' in body
    assert "<html" not in body and "logged" in body
    assert AuditLog.objects.get().detail == {"surface": "workbench"}


def test_show_number_without_htmx_is_a_whole_page(client, org, mine):
    client.force_login(org.assistant.user)

    response = client.post(reverse("workbench:customer_reveal_mobile", args=[mine.pk]))

    assert response.status_code == 200 and "<html" in response.content.decode()


def test_show_number_over_the_cap_answers_the_reason_in_place(client, org, mine, settings):
    settings.PRIVACY_REVEALS_PER_DAY = 0
    client.force_login(org.assistant.user)

    response = client.post(reverse("workbench:customer_reveal_mobile", args=[mine.pk]), **HTMX)

    assert response.status_code == 400 and "daily limit" in response.content.decode()
    assert "13812341234" not in response.content.decode() and not AuditLog.objects.exists()


@pytest.mark.parametrize("role", ["colleague", "other_store_assistant"])
def test_workbench_privacy_actions_out_of_scope_are_404(client, org, mine, role):
    client.force_login(getattr(org, role).user)

    for name in ("customer_reveal_mobile", "customer_call", "customer_consents"):
        assert client.post(reverse(f"workbench:{name}", args=[mine.pk]), **HTMX).status_code == 404
    assert not AuditLog.objects.exists()


def test_partner_never_reaches_the_buttons(client, org, mine):
    client.force_login(org.partner.user)

    assert client.post(reverse("workbench:customer_reveal_mobile", args=[mine.pk]), **HTMX).status_code == 404
    assert client.post(reverse("workbench:customer_call", args=[mine.pk]), **HTMX).status_code == 404


def test_reveal_is_a_post(client, org, mine):
    client.force_login(org.assistant.user)

    assert client.get(reverse("workbench:customer_reveal_mobile", args=[mine.pk])).status_code == 405
    assert not AuditLog.objects.exists()


def test_call_shows_the_relay_number_with_a_tel_link(client, org, mine):
    org.assistant.phone = "13900000001"
    org.assistant.save()
    client.force_login(org.assistant.user)

    response = client.post(reverse("workbench:customer_call", args=[mine.pk]), **HTMX)

    body = response.content.decode()
    session = mine.masked_sessions.get()
    assert f'href="tel:{session.virtual_number}"' in body and "13812341234" not in body
    assert "valid until" in body


def test_call_without_own_phone_says_what_to_do(client, org, mine):
    client.force_login(org.assistant.user)

    response = client.post(reverse("workbench:customer_call", args=[mine.pk]), **HTMX)

    assert response.status_code == 400 and "staff record" in response.content.decode()


def test_consent_recorded_in_store(client, org, mine):
    client.force_login(org.assistant.user)
    url = reverse("workbench:customer_consents", args=[mine.pk])

    response = client.post(url, {"purpose": "marketing", "granted": "0"}, **HTMX)

    assert response.status_code == 200 and "Recorded" in response.content.decode()
    consent = Consent.objects.get()
    assert (consent.granted, consent.source, consent.recorded_by) == (False, "in_store", org.assistant)
    mine.refresh_from_db()
    assert mine.marketing_opt_out is True


@pytest.mark.parametrize("data", [{"purpose": "marketing"}, {"purpose": "nonsense", "granted": "1"}])
def test_bad_consent_input_is_400_and_stores_nothing(client, org, mine, data):
    client.force_login(org.assistant.user)

    response = client.post(reverse("workbench:customer_consents", args=[mine.pk]), data, **HTMX)

    assert response.status_code == 400 and not Consent.objects.exists()


# --- H5: the customer's own page ---------------------------------------------------------------------


@pytest.fixture
def me(client, org):
    customer = CustomerFactory(store=org.store_a1, openid="o-me-1")
    as_wechat_user(client, "o-me-1")
    return customer


def test_h5_me_links_to_privacy(client, me):
    assert reverse("h5:privacy") in client.get(reverse("h5:me")).content.decode()


def test_h5_privacy_shows_consents_and_withdraws_marketing(client, me):
    Consent.objects.create(customer=me, purpose="marketing", granted=True, source="in_store")

    page = client.get(reverse("h5:privacy")).content.decode()
    assert "You agreed" in page and "Withdraw" in page

    response = client.post(reverse("h5:privacy"), {"action": "marketing_off"})

    me.refresh_from_db()
    assert response.status_code == 200 and me.marketing_opt_out is True
    assert Consent.objects.order_by("-id").first().source == "h5"
    assert "Allow" in response.content.decode()

    client.post(reverse("h5:privacy"), {"action": "marketing_on"})
    me.refresh_from_db()
    assert me.marketing_opt_out is False


@pytest.mark.parametrize("kind", ["copy", "erasure"])
def test_h5_requests_a_copy_or_erasure_once(client, me, kind):
    client.post(reverse("h5:privacy"), {"action": kind})
    response = client.post(reverse("h5:privacy"), {"action": kind})

    request = PrivacyRequest.objects.get()
    assert (request.customer, request.kind, request.status) == (me, kind, "pending")
    assert "Requested" in response.content.decode()


def test_h5_privacy_creates_no_customer_for_an_unknown_visitor(client, org):
    as_wechat_user(client, "o-never-seen")
    before = Customer.objects.count()

    response = client.get(reverse("h5:privacy"))

    assert response.status_code == 200 and "We keep no data about you" in response.content.decode()
    assert Customer.objects.count() == before


def test_h5_privacy_refuses_nonsense_and_strangers(client, me):
    assert client.post(reverse("h5:privacy"), {"action": "delete_everyone"}).status_code == 400
    del client.cookies["wxid"]
    assert client.post(reverse("h5:privacy"), {"action": "marketing_off"}).status_code == 403
    assert not Consent.objects.exists()


# --- Admin -------------------------------------------------------------------------------------------


def test_admin_audit_log_is_read_only_for_head_office(client, org, mine):
    AuditLog.objects.create(action="reveal_mobile", actor=org.assistant.user, actor_name="员工", customer=mine,
                            customer_ref=mine.pk)
    client.force_login(org.hq.user)
    entry = AuditLog.objects.get()

    listing = client.get(reverse("admin:customers_auditlog_changelist"), {"action__exact": "reveal_mobile"})

    assert listing.status_code == 200 and "员工" in listing.content.decode()
    assert client.get(reverse("admin:customers_auditlog_add")).status_code == 403
    assert client.post(reverse("admin:customers_auditlog_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    page = client.get(reverse("admin:customers_auditlog_change", args=[entry.pk])).content.decode()
    assert 'name="_save"' not in page
    assert AuditLog.objects.count() == 1


def test_admin_customer_page_masks_the_number_and_reveal_is_logged(client, org, mine):
    client.force_login(org.hq.user)
    change = reverse("admin:customers_customer_change", args=[mine.pk])

    page = client.get(change).content.decode()
    assert "13812341234" not in page and "138****1234" in page
    # Opt-out follows consent and erasure is a service: neither is a field to type into.
    assert 'name="marketing_opt_out"' not in page and 'name="erased_at_0"' not in page
    assert 'name="consents-MAX_NUM_FORMS" value="0"' in page  # no consent is added by hand
    assert "13812341234" not in client.get(reverse("admin:customers_customer_changelist")).content.decode()

    reveal = reverse("admin:customers_customer_reveal_mobile", args=[mine.pk])
    assert "13812341234" not in client.get(reveal).content.decode() and not AuditLog.objects.exists()
    assert "13812341234" in client.post(reveal).content.decode()
    assert AuditLog.objects.get().detail == {"surface": "admin"}


def test_admin_save_of_a_customer_keeps_the_number(client, org, mine):
    client.force_login(org.hq.user)
    change = reverse("admin:customers_customer_change", args=[mine.pk])
    form = client.get(change).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data.update({"name": "改名了", "source": mine.source, "member_level": 0})
    for prefix in ("owner_changes", "tag_links", "consents"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    # Inline prefixes vary with other areas' inlines: take them from the page itself.
    for formset in client.get(change).context["inline_admin_formsets"]:
        fs = formset.formset
        data.update({f"{fs.prefix}-TOTAL_FORMS": fs.total_form_count(), f"{fs.prefix}-INITIAL_FORMS":
                     fs.initial_form_count()})
        for i, f in enumerate(fs.forms):
            for name, value in f.initial.items():
                data[f"{fs.prefix}-{i}-{name}"] = getattr(value, "pk", value) if value is not None else ""

    client.post(change, data)

    mine.refresh_from_db()
    assert mine.mobile == "13812341234"


def test_admin_corrects_a_number_through_a_logged_form(client, org, mine):
    client.force_login(org.hq.user)
    url = reverse("admin:customers_customer_mobile_correct", args=[mine.pk])

    bad = client.post(url, {"mobile": "12345678901"})
    good = client.post(url, {"mobile": "13700001111"})

    mine.refresh_from_db()
    assert bad.status_code == 200 and good.status_code == 302 and mine.mobile == "13700001111"
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["mobile_change"]


def test_admin_pipl_export_asks_first_then_downloads_json_and_logs_it(client, org, mine):
    client.force_login(org.hq.user)
    request = PrivacyRequest.objects.create(customer=mine, kind="copy")
    url = reverse("admin:customers_customer_pipl_export", args=[mine.pk])

    ask = client.get(url)

    page = ask.content.decode()
    request.refresh_from_db()
    assert ask.status_code == 200 and "Content-Disposition" not in ask
    assert 'method="post"' in page and 'name="csrfmiddlewaretoken"' in page and "audit log" in page
    assert "13812341234" not in page  # the page tells what the file holds, not the data
    assert not AuditLog.objects.exists() and request.status == "pending"

    response = client.post(url)

    request.refresh_from_db()
    assert response["Content-Disposition"].startswith("attachment;")
    assert json.loads(response.content)["customer"]["mobile"] == "13812341234"
    assert AuditLog.objects.get().action == "pipl_export" and request.status == "done"


def test_admin_pipl_export_post_needs_the_csrf_token(org, mine):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(org.hq.user)

    response = browser.post(reverse("admin:customers_customer_pipl_export", args=[mine.pk]))

    assert response.status_code == 403 and not AuditLog.objects.exists()


def test_admin_pipl_export_page_is_for_head_office(client, org, mine):
    client.force_login(org.manager.user)
    url = reverse("admin:customers_customer_pipl_export", args=[mine.pk])

    ask, post = client.get(url), client.post(url)

    assert ask.status_code == post.status_code == 302 and not AuditLog.objects.exists()


def test_admin_erase_asks_first_then_erases(client, org, mine):
    client.force_login(org.hq.user)
    url = reverse("admin:customers_customer_erase", args=[mine.pk])
    before = (Customer.objects.count(), Order.objects.count())

    ask = client.get(url)
    mine.refresh_from_db()
    assert ask.status_code == 200 and mine.erased_at is None and "cannot be undone" in ask.content.decode()

    assert client.post(url).status_code == 302
    mine.refresh_from_db()
    assert mine.erased_at is not None and mine.name == "" and (Customer.objects.count(), Order.objects.count()) == before
    # An erased customer's page is read-only.
    page = client.get(reverse("admin:customers_customer_change", args=[mine.pk])).content.decode()
    assert 'name="_save"' not in page


def test_admin_actions_lead_to_export_and_erase_of_one_customer(client, org, mine):
    client.force_login(org.hq.user)
    changelist = reverse("admin:customers_customer_changelist")

    one = client.post(changelist, {"action": "pipl_erase_action", "_selected_action": [mine.pk]})
    two = client.post(changelist, {"action": "pipl_export_action",
                                   "_selected_action": [mine.pk, Customer.objects.exclude(pk=mine.pk).first().pk]})

    assert one.status_code == 302 and one["Location"] == reverse("admin:customers_customer_erase", args=[mine.pk])
    assert two.status_code == 302 and not AuditLog.objects.exists()
