"""The built-in fields of the rule engine: profile (stage 1), tags, store, orders, scans and
ledgers. Registered on first use of the engine; other apps add theirs with ``field_register``."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .engine import (COMPARE, RuleField, _bool, _choice, _compare, _count, _days, _int, _list_of, _money, _none, _range,
                     _text, field_register)


def _choice_field(key, label, model_field: str, choices, group="profile") -> RuleField:
    one, many = _choice(choices), _list_of(_choice(choices))

    def build(op, value, days, ctx):
        if op == "eq":
            return Q(**{model_field: value})
        if op == "ne":
            return ~Q(**{model_field: value})
        return Q(**{f"{model_field}__in": value})

    return RuleField(key, label, {"eq": one, "ne": one, "in": many}, build, group=group, choices=choices)


def register_builtin_fields() -> None:
    from stores.models import Store

    from ..models import Customer, CustomerTag, Order, PointsEntry, ScanEvent, StoredValueEntry, Tag

    def community(op, value, days, ctx):
        if op == "contains":
            return Q(community__icontains=value)
        if op == "in":
            return Q(community__in=value)
        return Q(community=value)

    field_register(RuleField("community", gettext_lazy("residential community"),
                             {"eq": _text, "contains": _text, "in": _list_of(_text)}, community))
    field_register(_choice_field("decoration_status", gettext_lazy("decoration status"), "decoration_status",
                                 lambda: Customer.DecorationStatus.choices))
    field_register(_choice_field("intent_grade", gettext_lazy("intent grade"), "intent_grade",
                                 lambda: [("", gettext_lazy("No grade")), *Customer.IntentGrade.choices]))
    field_register(_choice_field("gender", gettext_lazy("gender"), "gender", lambda: Customer.Gender.choices))
    field_register(_choice_field("source", gettext_lazy("source channel"), "source", lambda: Customer.Source.choices))
    field_register(RuleField("wecom_friend", gettext_lazy("WeCom friend"), {"eq": _bool},
                             lambda op, value, days, ctx: Q(is_wecom_friend=value)))

    def age(op, value, days, ctx):
        # The given age, else the age the birthday gives today.
        low, high = value if op == "between" else (value, value)
        today = ctx.today
        born_q = Q()
        if op in ("between", "gte"):
            born_q &= Q(birthday__lte=_years_before(today, low))
        if op in ("between", "lte"):
            born_q &= Q(birthday__gt=_years_before(today, high + 1))
        stated = Q(age__range=(low, high)) if op == "between" else Q(**{f"age__{op}": value})
        return stated | (Q(age__isnull=True, birthday__isnull=False) & born_q)

    age_value = lambda v: _int(v, minimum=0, maximum=120)  # noqa: E731
    field_register(RuleField("age", gettext_lazy("age"),
                             {"between": _range(age_value), "gte": age_value, "lte": age_value}, age))

    month = lambda v: _int(v, minimum=1, maximum=12)  # noqa: E731

    def birthday_month(op, value, days, ctx):
        if op == "this_month":
            return Q(birthday__month=ctx.today.month)
        return Q(birthday__month__in=value) if op == "in" else Q(birthday__month=value)

    field_register(RuleField("birthday_month", gettext_lazy("birthday month"),
                             {"eq": month, "in": _list_of(month), "this_month": _none}, birthday_month))

    def handover(op, value, days, ctx):
        today = ctx.today
        if op == "within_days":  # handed over in the next N days: time to invite them
            return Q(house_handover_on__gte=today, house_handover_on__lte=today + timedelta(days=value))
        return Q(house_handover_on__lt=today, house_handover_on__gte=today - timedelta(days=value))  # past_days

    field_register(RuleField("house_handover", gettext_lazy("house handover"),
                             {"within_days": _days, "past_days": _days}, handover))

    def tag_item(v):
        if isinstance(v, bool) or not isinstance(v, (int, str)) or (isinstance(v, str) and not v.strip()):
            raise ValueError(_("tag names or ids"))
        return v

    def tag_ids(value):
        items = _list_of(tag_item)(value if isinstance(value, list) else [value])
        ids = {i for i in items if isinstance(i, int)}
        names = {str(i).strip() for i in items if isinstance(i, str)}
        found = dict(Tag.objects.filter(Q(pk__in=ids) | Q(name__in=names)).values_list("name", "pk"))
        missing = sorted((names - set(found)) | {str(i) for i in ids - set(found.values())})
        if missing:
            raise ValueError(_("existing tags (unknown: %(names)s)") % {"names": ", ".join(missing)})
        return sorted(found.values())

    def tag(op, value, days, ctx):
        if op == "has":  # every listed tag
            q = Q()
            for tag_id in value:
                q &= Q(Exists(CustomerTag.objects.filter(customer=OuterRef("pk"), tag_id=tag_id)))
            return q
        has = Exists(CustomerTag.objects.filter(customer=OuterRef("pk"), tag_id__in=value))
        return ~Q(has) if op == "has_not" else Q(has)

    field_register(RuleField("tag", gettext_lazy("tag"), {"has": tag_ids, "has_any": tag_ids, "has_not": tag_ids},
                             tag, group="tags"))

    def store_ids(value):
        items = _list_of(lambda v: _int(v, minimum=1))(value if isinstance(value, list) else [value])
        found = set(Store.objects.filter(pk__in=items).values_list("pk", flat=True))
        if missing := sorted(set(items) - found):
            raise ValueError(_("existing stores (unknown: %(ids)s)") % {"ids": ", ".join(map(str, missing))})
        return sorted(found)

    def store(op, value, days, ctx):
        return ~Q(store_id__in=value) if op == "ne" else Q(store_id__in=value)

    field_register(RuleField("store", gettext_lazy("store"), {"eq": store_ids, "in": store_ids, "ne": store_ids},
                             store))

    # Orders: cancelled ones never count.
    def _orders(days, ctx):
        orders = Order.objects.filter(customer=OuterRef("pk")).exclude(status=Order.Status.CANCELLED)
        if days:
            orders = orders.filter(placed_at__gte=ctx.now - timedelta(days=days))
        return orders

    def orders_count(op, value, days, ctx):
        counted = _orders(days, ctx).order_by().values("customer").annotate(n=Count("pk")).values("n")
        return _compare(Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)), op, value)

    def orders_amount(op, value, days, ctx):
        summed = _orders(days, ctx).order_by().values("customer").annotate(total=Sum("amount")).values("total")
        money = DecimalField(max_digits=14, decimal_places=2)
        return _compare(Coalesce(Subquery(summed, output_field=money), Value(Decimal("0")), output_field=money),
                        op, value)

    numeric_ops = lambda check: {op: check for op in COMPARE}  # noqa: E731
    field_register(RuleField("orders_count", gettext_lazy("number of orders"), numeric_ops(_count), orders_count,
                             takes_days=True, group="orders"))
    field_register(RuleField("orders_amount", gettext_lazy("order amount (CNY)"), numeric_ops(_money), orders_amount,
                             takes_days=True, group="orders"))

    def last_order(op, value, days, ctx):
        if op == "never":
            return ~Q(Exists(_orders(None, ctx)))
        recent = Exists(_orders(value, ctx))
        if op == "within_days":
            return Q(recent)
        # Dormant: bought before, nothing in the last N days.
        return Q(Exists(_orders(None, ctx))) & ~Q(recent)

    field_register(RuleField("last_order", gettext_lazy("last order"),
                             {"within_days": _days, "older_than_days": _days, "never": _none}, last_order,
                             group="orders"))

    def scanned(op, value, days, ctx):
        since = ctx.now - timedelta(days=value)
        recent = Exists(ScanEvent.objects.filter(customer=OuterRef("pk"), scanned_at__gte=since))
        return ~Q(recent) if op == "not_within_days" else Q(recent)

    field_register(RuleField("scanned", gettext_lazy("scanned a code"),
                             {"within_days": _days, "not_within_days": _days}, scanned, group="scans"))

    def balance(model, output):
        def build(op, value, days, ctx):
            newest = model.objects.filter(customer=OuterRef("pk")).order_by("-seq").values("balance_after")[:1]
            return _compare(Coalesce(Subquery(newest, output_field=output), Value(0), output_field=output), op, value)

        return build

    field_register(RuleField("points_balance", gettext_lazy("points balance"), numeric_ops(_count),
                             balance(PointsEntry, IntegerField()), group="ledgers"))
    field_register(RuleField("stored_value_balance", gettext_lazy("stored-value balance (CNY)"), numeric_ops(_money),
                             balance(StoredValueEntry, DecimalField(max_digits=12, decimal_places=2)),
                             group="ledgers"))


def _years_before(day: date, years: int) -> date:
    year = day.year - years
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


