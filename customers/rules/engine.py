"""Customer rules (the engine): a list of conditions ``[{"field", "op", "value"}]`` turned into ONE ``Q`` over
``Customer``, evaluated by the database (CUS-4 tag rules; the invitation segments of SPEC INV-2
reuse it).

Every condition must hold (AND). Each field lives in a registry (:data:`FIELDS`) that knows its ops,
how to check a value and how to build its ``Q``; conditions on related rows (tags, orders, scans,
ledgers) are correlated subqueries, never joins, so a matching customer appears once and no
customer is ever looked at in Python. Another app adds its own fields with :func:`field_register`
(e.g. promotions registers "coupon expiring within N days" when coupons exist).

Order and scan fields take an optional ``"days"`` key: the window the count or amount is taken over::

    [{"field": "orders_amount", "op": "gte", "value": 20000, "days": 90},
     {"field": "intent_grade", "op": "in", "value": ["A", "B"]}]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Q
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, LessThan, LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..errors import CustomerError


class RuleError(CustomerError):
    """A condition the rule engine cannot understand; the message says which and why."""


@dataclass(frozen=True)
class Context:
    """What a condition may depend on besides the customer: the moment it is evaluated."""

    now: Any  # aware datetime

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)


@dataclass(frozen=True)
class RuleField:
    """One field a condition can name. ``ops`` maps each op to the checker of its value;
    ``build(op, value, days, ctx)`` returns the ``Q`` for an already checked value."""

    key: str
    label: Any
    ops: dict[str, Callable[[Any], Any]]
    build: Callable[[str, Any, int | None, Context], Q]
    takes_days: bool = False
    group: str = "profile"
    choices: Callable[[], list[tuple[str, str]]] | None = field(default=None)


FIELDS: dict[str, RuleField] = {}

OP_LABELS = {
    "eq": gettext_lazy("is"), "ne": gettext_lazy("is not"), "in": gettext_lazy("is one of"),
    "contains": gettext_lazy("contains"), "gt": ">", "gte": "≥", "lt": "<", "lte": "≤",
    "between": gettext_lazy("between"), "this_month": gettext_lazy("this month"),
    "has": gettext_lazy("has"), "has_not": gettext_lazy("does not have"), "has_any": gettext_lazy("has any of"),
    "within_days": gettext_lazy("within the next/last N days"), "older_than_days": gettext_lazy("older than N days"),
    "not_within_days": gettext_lazy("not within N days"),
    "past_days": gettext_lazy("within the last N days"), "never": gettext_lazy("never"),
}


def field_register(rule_field: RuleField) -> RuleField:
    """Add (or replace) a field of the registry. Apps call this at import time (``AppConfig.ready``)."""
    FIELDS[rule_field.key] = rule_field
    return rule_field


# --- Value checkers: take what JSON gave, return the clean value or raise ValueError ------------


def _text(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_("a non-empty text"))
    return value.strip()


def _int(value, *, minimum: int | None = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ValueError(_("a whole number"))
    try:
        number = int(value)
    except ValueError:
        raise ValueError(_("a whole number")) from None
    if minimum is not None and number < minimum or maximum is not None and number > maximum:
        high = maximum if maximum is not None else "∞"
        raise ValueError(_("a whole number from %(lo)s to %(hi)s") % {"lo": minimum, "hi": high})
    return number


def _count(value) -> int:
    return _int(value, minimum=0)


def _days(value) -> int:
    return _int(value, minimum=1, maximum=3650)


def _money(value) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(_("an amount"))
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(_("an amount")) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(_("an amount of 0 or more"))
    return amount


def _none(value):
    if value not in (None, "", [], True):
        raise ValueError(_("no value"))
    return None


def _list_of(check):
    def checker(value):
        if not isinstance(value, list) or not value:
            raise ValueError(_("a non-empty list"))
        return [check(item) for item in value]

    return checker


def _choice(choices: Callable[[], list[tuple[str, str]]]):
    def checker(value):
        allowed = [str(v) for v, _label in choices()]
        if not isinstance(value, (str, int)) or str(value) not in allowed:
            raise ValueError(_("one of %(values)s") % {"values": ", ".join(repr(v) for v in allowed)})
        return str(value)

    return checker


def _range(check):
    def checker(value):
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError(_("a pair [from, to]"))
        low, high = check(value[0]), check(value[1])
        if low > high:
            raise ValueError(_("a pair [from, to] with from ≤ to"))
        return [low, high]

    return checker


def _bool(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError(_("true or false"))
    return value


COMPARE = {"eq": Exact, "gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}


def _compare(expression, op: str, value) -> Q:
    return Q(COMPARE[op](expression, value))


def _fields() -> dict[str, RuleField]:
    if not FIELDS.get("community"):
        from .fields import register_builtin_fields

        register_builtin_fields()
    return FIELDS


# --- Public API ---------------------------------------------------------------------------------


def conditions_validate(conditions) -> list[dict]:
    """Check every condition and return them cleaned (tag names turned into ids, numbers parsed).
    Raises :class:`RuleError` naming the first condition that is wrong and why."""
    fields = _fields()
    if not isinstance(conditions, list):
        raise RuleError(_("Conditions must be a list of {field, op, value} objects."))
    if not conditions:
        raise RuleError(_("Add at least one condition."))
    cleaned = []
    for n, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict):
            raise RuleError(_("Condition %(n)s must be an object with field, op and value.") % {"n": n})
        extra = set(condition) - {"field", "op", "value", "days"}
        if extra:
            raise RuleError(_("Condition %(n)s has unknown keys: %(keys)s.") % {
                "n": n, "keys": ", ".join(sorted(extra))})
        rule_field = fields.get(condition.get("field"))
        if rule_field is None:
            raise RuleError(_("Condition %(n)s: unknown field %(field)r. Known fields: %(known)s.") % {
                "n": n, "field": condition.get("field"), "known": ", ".join(sorted(fields))})
        op = condition.get("op")
        if op not in rule_field.ops:
            raise RuleError(_("Condition %(n)s: %(field)s cannot use op %(op)r; use one of %(ops)s.") % {
                "n": n, "field": rule_field.key, "op": op, "ops": ", ".join(rule_field.ops)})
        try:
            value = rule_field.ops[op](condition.get("value"))
        except ValueError as error:
            raise RuleError(_("Condition %(n)s: the value of %(field)s %(op)s must be %(expected)s.") % {
                "n": n, "field": rule_field.key, "op": op, "expected": error}) from None
        clean = {"field": rule_field.key, "op": op, "value": value}
        if condition.get("days") is not None:
            if not rule_field.takes_days:
                raise RuleError(_("Condition %(n)s: %(field)s takes no days.") % {"n": n, "field": rule_field.key})
            try:
                clean["days"] = _days(condition["days"])
            except ValueError as error:
                raise RuleError(_("Condition %(n)s: days must be %(expected)s.") % {
                    "n": n, "expected": error}) from None
        cleaned.append(_jsonable(clean))
    return cleaned


def _jsonable(condition: dict) -> dict:
    value = condition["value"]
    if isinstance(value, Decimal):
        condition["value"] = str(value)
    elif isinstance(value, list):
        condition["value"] = [str(v) if isinstance(v, Decimal) else v for v in value]
    return condition


def conditions_q(conditions, *, now=None) -> Q:
    """The ``Q`` over ``Customer`` for all ``conditions`` (validated here first)."""
    fields = _fields()
    ctx = Context(now=now or timezone.now())
    q = Q()
    for condition in conditions_validate(conditions):
        rule_field = fields[condition["field"]]
        value = rule_field.ops[condition["op"]](condition["value"])  # back from JSON form (amounts)
        q &= rule_field.build(condition["op"], value, condition.get("days"), ctx)
    return q


def customers_matching(conditions, *, queryset=None, now=None):
    """Customers of ``queryset`` (default: every customer) matching all ``conditions``; one query,
    each customer at most once. Pass ``Customer.objects.visible_to(user)`` to stay in scope."""
    from ..models import Customer

    base = Customer.objects.all() if queryset is None else queryset
    return base.filter(conditions_q(conditions, now=now))


def field_catalogue() -> list[dict]:
    """The fields and ops, for forms and the API (``GET .../rule-fields/``)."""
    return [
        {"field": f.key, "label": str(f.label), "group": f.group, "takes_days": f.takes_days,
         "ops": [{"op": op, "label": str(OP_LABELS.get(op, op))} for op in f.ops],
         "choices": [{"value": v, "label": str(label)} for v, label in f.choices()] if f.choices else None}
        for f in _fields().values()
    ]


