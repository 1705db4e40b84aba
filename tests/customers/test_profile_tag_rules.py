"""Tag rules (CUS-4): the rule gives its tag to new matches and takes it from customers who no
longer match, set-based, never touching tags set by hand or by a code; nightly in Celery beat."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, CustomerTag, TagRule
from customers.rules import RuleError, tag_rule_apply
from customers.tasks import tag_rules_apply_all as nightly_task
from tests.factories import CustomerFactory, TagFactory, TagRuleFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]

GRADE_A = [{"field": "intent_grade", "op": "eq", "value": "A"}]


def tagged(tag) -> dict:
    return dict(CustomerTag.objects.filter(tag=tag).values_list("customer_id", "source"))


def test_the_rule_tags_new_matches_and_untags_those_who_left(org):
    rule = TagRuleFactory(tag=TagFactory(name="高意向"), conditions=GRADE_A)
    a1, a2, b = (CustomerFactory(store=org.store_a1, intent_grade=g) for g in "AAB")
    run = tag_rule_apply(rule=rule)
    assert (run.added, run.removed, run.matched) == (2, 0, 2)
    assert tagged(rule.tag) == {a1.pk: "rule", a2.pk: "rule"}

    Customer.objects.filter(pk=a2.pk).update(intent_grade="C")
    Customer.objects.filter(pk=b.pk).update(intent_grade="A")
    run = tag_rule_apply(rule=rule)
    assert (run.added, run.removed, run.matched) == (1, 1, 2)
    assert tagged(rule.tag) == {a1.pk: "rule", b.pk: "rule"}
    rule.refresh_from_db()
    assert rule.matched_count == 2 and rule.last_run_at is not None


def test_rerunning_changes_nothing(org):
    rule = TagRuleFactory(conditions=GRADE_A)
    CustomerFactory.create_batch(3, store=org.store_a1, intent_grade="A")
    tag_rule_apply(rule=rule)
    again = tag_rule_apply(rule=rule)
    assert (again.added, again.removed) == (0, 0)
    assert CustomerTag.objects.filter(tag=rule.tag).count() == 3


def test_tags_set_by_hand_or_by_a_code_are_never_touched(org):
    rule = TagRuleFactory(conditions=GRADE_A)
    by_hand = CustomerFactory(store=org.store_a1, intent_grade="A")
    by_code = CustomerFactory(store=org.store_a1, intent_grade="C")
    CustomerTag.objects.create(customer=by_hand, tag=rule.tag, source=CustomerTag.Source.MANUAL)
    CustomerTag.objects.create(customer=by_code, tag=rule.tag, source=CustomerTag.Source.CODE)
    run = tag_rule_apply(rule=rule)
    assert (run.added, run.removed) == (0, 0)
    assert tagged(rule.tag) == {by_hand.pk: "manual", by_code.pk: "code"}


def test_erased_customers_are_not_tagged_and_lose_rule_tags(org):
    rule = TagRuleFactory(conditions=GRADE_A)
    erased = CustomerFactory(store=org.store_a1, intent_grade="A")
    tag_rule_apply(rule=rule)
    Customer.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    tag_rule_apply(rule=rule)
    assert tagged(rule.tag) == {}


def test_two_rules_of_one_tag_keep_each_others_customers(org):
    tag = TagFactory(name="重点客户")
    grade_rule = TagRuleFactory(tag=tag, conditions=GRADE_A)
    community_rule = TagRuleFactory(tag=tag, conditions=[{"field": "community", "op": "eq", "value": "万科城"}])
    graded = CustomerFactory(store=org.store_a1, intent_grade="A")
    neighbour = CustomerFactory(store=org.store_a1, community="万科城")
    tag_rule_apply(rule=grade_rule)
    tag_rule_apply(rule=community_rule)
    tag_rule_apply(rule=grade_rule)  # must not take the tag from the neighbour
    assert tagged(tag) == {graded.pk: "rule", neighbour.pk: "rule"}


def test_the_number_of_queries_does_not_grow_with_customers(org):
    rule = TagRuleFactory(conditions=GRADE_A)
    CustomerFactory.create_batch(5, store=org.store_a1, intent_grade="A")
    with CaptureQueriesContext(connection) as few:
        tag_rule_apply(rule=rule)
    Customer.objects.filter(intent_grade="A").update(intent_grade="B")
    CustomerFactory.create_batch(40, store=org.store_a1, intent_grade="A")
    with CaptureQueriesContext(connection) as many:
        run = tag_rule_apply(rule=rule)
    assert (run.added, run.removed) == (40, 5)
    assert len(many) == len(few)


def test_a_switched_off_rule_does_not_run(org):
    rule = TagRuleFactory(conditions=GRADE_A, is_active=False)
    CustomerFactory(store=org.store_a1, intent_grade="A")
    with pytest.raises(RuleError, match="off"):
        tag_rule_apply(rule=rule)
    assert not CustomerTag.objects.exists()


def test_the_nightly_run_applies_every_active_rule_and_drops_orphaned_rule_tags(org):
    active = TagRuleFactory(conditions=GRADE_A)
    off = TagRuleFactory(conditions=GRADE_A)
    broken = TagRuleFactory(conditions=[{"field": "gone", "op": "eq", "value": 1}])
    customer = CustomerFactory(store=org.store_a1, intent_grade="A")
    tag_rule_apply(rule=off)
    TagRule.objects.filter(pk=off.pk).update(is_active=False)
    result = nightly_task.delay().get()
    assert result == {str(active.pk): {"added": 1, "removed": 0, "matched": 1}}
    assert tagged(active.tag) == {customer.pk: "rule"}
    assert tagged(off.tag) == {}  # its only rule is off: the rule-given tag goes
    assert broken.pk not in map(int, result)


def test_the_nightly_job_is_scheduled_in_celery_beat(db):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="customers.tag_rules_apply_all")
    assert task.enabled and task.crontab is not None and task.crontab.hour == "2"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_tag_each_customer_once(org):
    rule = TagRuleFactory(conditions=GRADE_A)
    CustomerFactory.create_batch(30, store=org.store_a1, intent_grade="A")
    barrier, errors = threading.Barrier(2), []

    def run():
        try:
            barrier.wait()
            tag_rule_apply(rule=rule)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert CustomerTag.objects.filter(tag=rule.tag, source="rule").count() == 30
