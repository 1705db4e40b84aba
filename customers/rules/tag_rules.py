"""Tag rules (CUS-4): a rule gives its tag to the customers its conditions match, set-based."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import CharField, DateTimeField, Exists, IntegerField, OuterRef, Q, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from .engine import RuleError, conditions_q, customers_matching


@dataclass(frozen=True)
class TagRuleRun:
    added: int
    removed: int
    matched: int


def tag_rule_apply(*, rule, now=None) -> TagRuleRun:
    """Give ``rule.tag`` (source *rule*) to every customer the rule matches now, and take it from
    customers whose rule-given link no rule of that tag matches any more. Set-based: one INSERT …
    SELECT, one DELETE, one COUNT, however many customers. Links set by hand or by a code are
    never touched; erased customers are never tagged. Rerunning changes nothing."""
    from django.db import connection, transaction

    from ..models import Customer, CustomerTag, TagRule

    with transaction.atomic():
        rule = TagRule.objects.select_for_update().select_related("tag").get(pk=rule.pk)
        if not rule.is_active:
            raise RuleError(_("The rule “%(name)s” is switched off.") % {"name": rule.name})
        now = now or timezone.now()
        live = Customer.objects.filter(erased_at__isnull=True)
        matches = customers_matching(rule.conditions, queryset=live, now=now)
        # Customers any active rule of this tag matches keep their rule-given link.
        keep = Q(pk__in=[])
        for other in TagRule.objects.filter(tag_id=rule.tag_id, is_active=True).exclude(pk=rule.pk):
            try:
                keep |= conditions_q(other.conditions, now=now)
            except RuleError:
                continue  # a broken sibling rule keeps nothing; the admin shows it as invalid
        kept = live.filter(conditions_q(rule.conditions, now=now) | keep)
        new = matches.exclude(Exists(CustomerTag.objects.filter(customer=OuterRef("pk"), tag_id=rule.tag_id)))
        rows = new.order_by().annotate(
            _tag=Value(rule.tag_id, output_field=IntegerField()),
            _source=Value(CustomerTag.Source.RULE, output_field=CharField()),
            _at=Value(now, output_field=DateTimeField()),
        ).values_list("pk", "_tag", "_source", "_at")
        select_sql, params = rows.query.sql_with_params()
        table = CustomerTag._meta.db_table
        with connection.cursor() as cursor:
            # One INSERT … SELECT. The SELECT always has a WHERE (erased customers are left out),
            # which SQLite needs to read the ON CONFLICT clause after it.
            cursor.execute(
                f"INSERT INTO {table} (customer_id, tag_id, source, added_at) {select_sql} "  # noqa: S608
                f"ON CONFLICT (customer_id, tag_id) DO NOTHING",
                params,
            )
            added = max(cursor.rowcount, 0)
        # CustomerTag has no dependants and no signal receivers: Django deletes in one statement.
        removed, _by_model = (CustomerTag.objects.filter(tag_id=rule.tag_id, source=CustomerTag.Source.RULE)
                              .exclude(customer__in=kept.values("pk")).delete())
        matched = matches.count()
        TagRule.objects.filter(pk=rule.pk).update(last_run_at=now, matched_count=matched)
    return TagRuleRun(added=added, removed=removed, matched=matched)


def tag_rules_apply_all(*, now=None) -> dict[int, TagRuleRun]:
    """Run every active rule (each in its own transaction) and take rule-given tags whose rules
    are all switched off or deleted off their customers. Returns the runs by rule id."""
    from django.db import transaction

    from ..models import CustomerTag, TagRule

    runs = {}
    for rule in TagRule.objects.filter(is_active=True).order_by("pk"):
        try:
            runs[rule.pk] = tag_rule_apply(rule=rule, now=now)
        except RuleError:
            continue  # an invalid rule is shown as such in the admin; the others still run
    with transaction.atomic():
        CustomerTag.objects.filter(source=CustomerTag.Source.RULE).exclude(
            tag_id__in=TagRule.objects.filter(is_active=True).values("tag_id")).delete()
    return runs
