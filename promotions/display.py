"""How a coupon reads to people: its value, its validity, where it is usable (translated)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def yuan(amount: Decimal | None) -> str:
    """300.00 → "300", 299.50 → "299.50": whole yuan without decimals, as price tags show them."""
    if amount is None:
        return ""
    return f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"


def coupon_value_text(definition) -> str:
    """What the customer gets: "满¥5000减¥300", "8.8折", "兑换 滤芯一支" (in the current language)."""
    kind = definition.kind
    if kind == "discount":
        tenths = Decimal(definition.discount_rate) / 10
        text = _("%(zhe)s/10 of the price") % {"zhe": f"{tenths:.1f}".rstrip("0").rstrip(".")}
        if definition.max_discount is not None:
            text += _(", at most ¥%(max)s off") % {"max": yuan(definition.max_discount)}
        if definition.min_spend is not None:
            text += _(", on orders from ¥%(min)s") % {"min": yuan(definition.min_spend)}
        return text
    if kind == "exchange":
        return _("Exchange for %(item)s") % {"item": definition.item}
    if kind == "group_buy":
        return _("%(item)s at the group-buy price ¥%(price)s") % {"item": definition.item,
                                                                  "price": yuan(definition.group_price)}
    amount = yuan(definition.amount_off)
    if definition.min_spend is not None:
        return _("¥%(amount)s off orders from ¥%(min)s") % {"amount": amount, "min": yuan(definition.min_spend)}
    if kind == "cash_voucher":
        return _("¥%(amount)s cash voucher") % {"amount": amount}
    return _("¥%(amount)s off") % {"amount": amount}


def definition_validity_text(definition) -> str:
    if definition.validity == "after_claim":
        days = definition.valid_days or 0
        return ngettext("Valid on the day you claim it", "Valid for %(n)d days from the day you claim it",
                        days) % {"n": days}
    return _("Valid %(start)s to %(end)s") % {"start": f"{definition.valid_from:%Y-%m-%d}",
                                              "end": f"{definition.valid_until:%Y-%m-%d}"}


def stores_text(definition, stores=None) -> str:
    """Where the coupon is usable: "All stores" or the names (``stores`` prefetched, else queried)."""
    if definition.all_stores:
        return _("All stores")
    names = [store.name for store in (stores if stores is not None else definition.stores.all())]
    return "、".join(names) if names else _("No store yet")
