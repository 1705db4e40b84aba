"""The built-in strategy templates (seed 004: 潜客激活, 新客二回, 沉睡唤醒, and the coupon-expiry
reminder that replaced the old hard-coded job). A template pre-fills a new journey; head office
adjusts it (stores, conditions, the coupon given) before switching it on. Names and texts are
stored data, in Chinese like the invitation segments'."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Strategy:
    key: str
    name: str
    description: object  # lazy translation
    values: dict = field(default_factory=dict)


COUPON_EXPIRY = "coupon_expiry"

STRATEGIES = (
    Strategy("potential_activation", "潜客激活",
             _("Visited the store (scanned a code) and bought nothing within 7 days: the owner assistant "
               "gets a follow-up for today."),
             {"trigger": "visited_not_bought", "trigger_days": 7, "action": "assistant_task",
              "title": "潜客激活", "body": "到店未购，回访邀约", "link": "none", "send_hour": 10}),
    Strategy("second_purchase", "新客二回",
             _("A new customer with exactly one order, 30 days on: a coupon for the second purchase "
               "(choose the coupon)."),
             {"trigger": "second_purchase", "trigger_days": 30, "action": "issue_coupon",
              "title": "新客二回", "body": "回购专享券已到账", "link": "my_coupons", "send_hour": 10}),
    Strategy("dormant_wakeup", "沉睡唤醒",
             _("No order for 90 days: a template message inviting them back."),
             {"trigger": "dormant", "trigger_days": 90, "action": "template_message",
              "title": "好久不见，老朋友", "body": "老客专属福利，欢迎回店看看", "link": "my_coupons", "send_hour": 11}),
    Strategy(COUPON_EXPIRY, "优惠券到期提醒",
             _("A coupon not used yet ends within 3 days: a template message linking to “my coupons”."),
             {"trigger": "coupon_expiring", "trigger_days": 3, "action": "template_message",
              "title": "", "body": "", "link": "my_coupons", "send_hour": 10}),
)

BY_KEY = {strategy.key: strategy for strategy in STRATEGIES}
