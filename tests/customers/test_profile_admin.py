"""HQ admin for profiles (CUS-1..5): the customer's page shows profile, grade history, follow-ups
and after-sales; grade changes made there land in the history; tag rules are validated and run
on demand; after-sales lists follow the scope."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission

from customers.models import AfterSalesRecord, Customer, CustomerProfile, CustomerTag, IntentGradeChange, TagRule
from tests.factories import CustomerFactory, FollowUpFactory, TagFactory, TagRuleFactory

pytestmark = pytest.mark.django_db


class _FormValues(HTMLParser):
    """The values a browser would post for the first form with method=post on an admin page."""

    def __init__(self):
        super().__init__()
        self.values, self._in_form, self._select, self._textarea = [], False, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method", "").lower() == "post" and not self._in_form:
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values.append((name, attrs.get("value", "on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = [name, None, "multiple" in attrs]
        elif tag == "option" and self._select is not None and "selected" in attrs:
            self.values.append((self._select[0], attrs.get("value", "")))
            self._select[1] = True
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            if not self._select[1] and not self._select[2]:
                self.values.append((self._select[0], ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_values(html: str) -> dict:
    parser = _FormValues()
    parser.feed(html)
    data: dict = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return data


@pytest.fixture
def hq(client, org):
    client.force_login(org.user("hq"))
    return client


@pytest.fixture
def mine(org):
    customer = CustomerFactory(store=org.store_a1, owner_assistant=org.assistant, name="王芳", intent_grade="B")
    IntentGradeChange.objects.create(customer=customer, from_grade="", to_grade="B", changed_by=org.assistant)
    FollowUpFactory(customer=customer, note="电话聊了厨房")
    AfterSalesRecord.objects.create(customer=customer, kind="repair", description="花洒漏水")
    CustomerProfile.objects.create(customer=customer, family_notes="三口之家")
    return customer


def change_url(customer) -> str:
    return f"/admin/customers/customer/{customer.pk}/change/"


def test_the_customer_page_shows_profile_history_follow_ups_and_after_sales(hq, mine):
    response = hq.get(change_url(mine))
    text = response.content.decode()
    assert response.status_code == 200
    assert "三口之家" in text and "电话聊了厨房" in text and "花洒漏水" in text
    assert "intentgradechange" in text.lower() or "grade_changes" in text


def test_a_grade_changed_in_the_admin_lands_in_the_history(hq, org, mine):
    data = form_values(hq.get(change_url(mine)).content.decode())
    data["intent_grade"] = ["A"]
    response = hq.post(change_url(mine), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Customer.objects.get(pk=mine.pk).intent_grade == "A"
    latest = IntentGradeChange.objects.filter(customer=mine).first()
    assert (latest.from_grade, latest.to_grade, latest.changed_by) == ("B", "A", org.hq)


def test_the_profile_inline_saves_through_the_service(hq, org, mine):
    data = form_values(hq.get(change_url(mine)).content.decode())
    family = [k for k in data if k.endswith("-family_notes")][0]
    data[family] = ["四口之家"]
    assert hq.post(change_url(mine), data).status_code == 302
    profile = CustomerProfile.objects.get(customer=mine)
    assert profile.family_notes == "四口之家" and profile.updated_by == org.hq
    assert IntentGradeChange.objects.filter(customer=mine).count() == 1  # grade untouched


def test_follow_ups_and_grade_history_are_read_only_in_the_admin(hq, mine):
    text = hq.get(change_url(mine)).content.decode()
    data = form_values(text)
    assert not any(k.startswith("follow_ups-0-note") for k in data)
    assert not any(k.startswith("grade_changes-0-to_grade") for k in data)
    # Nothing can be added by hand either: these rows are written by the services only.
    assert data["follow_ups-MAX_NUM_FORMS"] == ["0"] and data["grade_changes-MAX_NUM_FORMS"] == ["0"]


# --- Tag rules ----------------------------------------------------------------------------------


def test_hq_adds_a_valid_rule_and_conditions_are_stored_clean(hq):
    tag = TagFactory(name="高意向")
    response = hq.post("/admin/customers/tagrule/add/", {
        "name": "A级客户", "tag": tag.pk, "is_active": "on",
        "conditions": '[{"field": "intent_grade", "op": "in", "value": ["A"]},'
                      ' {"field": "orders_amount", "op": "gte", "value": 20000, "days": "90"}]'})
    assert response.status_code == 302
    assert TagRule.objects.get(name="A级客户").conditions == [
        {"field": "intent_grade", "op": "in", "value": ["A"]},
        {"field": "orders_amount", "op": "gte", "value": "20000", "days": 90}]


@pytest.mark.parametrize("conditions, shown", [
    ('[{"field": "shoe_size", "op": "eq", "value": 42}]', "shoe_size"),
    ('[{"field": "intent_grade", "op": "gt", "value": "A"}]', "gt"),
    ("[]", ""),
    ("not json", ""),
])
def test_an_invalid_rule_is_refused_with_the_reason(hq, conditions, shown):
    tag = TagFactory(name="x")
    response = hq.post("/admin/customers/tagrule/add/", {"name": "坏规则", "tag": tag.pk, "conditions": conditions})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert shown in response.content.decode()
    assert not TagRule.objects.exists()


def test_run_now_tags_the_matching_customers(hq, org):
    rule = TagRuleFactory(conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}])
    customer = CustomerFactory(store=org.store_a1, intent_grade="A")
    response = hq.post("/admin/customers/tagrule/", {"action": "run_now", "_selected_action": [rule.pk]}, follow=True)
    assert response.status_code == 200
    assert CustomerTag.objects.filter(customer=customer, tag=rule.tag, source="rule").exists()
    assert TagRule.objects.get(pk=rule.pk).matched_count == 1


def test_the_rule_page_lists_the_fields_one_can_use(hq):
    text = hq.get("/admin/customers/tagrule/add/").content.decode()
    assert "orders_amount" in text and "points_balance" in text and "house_handover" in text


# --- After-sales -------------------------------------------------------------------------------------


def test_hq_records_and_resolves_after_sales_in_the_admin(hq, org, mine):
    response = hq.post("/admin/customers/aftersalesrecord/add/", {"customer": mine.pk, "kind": "complaint",
                                                                  "description": "安装师傅迟到"})
    assert response.status_code == 302
    record = AfterSalesRecord.objects.get(description="安装师傅迟到")
    assert record.created_by == org.hq
    hq.post("/admin/customers/aftersalesrecord/", {"action": "resolve", "_selected_action": [record.pk]})
    assert AfterSalesRecord.objects.get(pk=record.pk).status == "resolved"


def test_after_sales_admin_list_follows_the_scope(client, org, mine):
    other = CustomerFactory(store=org.store_b1)
    AfterSalesRecord.objects.create(customer=other, kind="repair", description="北京的维修")
    user = org.user("manager")
    user.is_staff = True
    user.save()
    user.user_permissions.add(Permission.objects.get(codename="view_aftersalesrecord"))
    client.force_login(user)
    text = client.get("/admin/customers/aftersalesrecord/").content.decode()
    assert "王芳" in text and "北京的维修" not in text
