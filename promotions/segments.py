"""The recommended invitation segment "coupon expiring within 7 days" (SPEC INV-1), registered with
``invitations.segments.segment_register`` from ``PromotionsConfig.ready``.

Members: the store's customers holding an unused coupon usable in that store whose last valid day
is today or within the next 7 days. Reason: the soonest such coupon, "优惠券3天后到期" ("Coupon
expires in 3 days"; today: "优惠券今天到期"). Both are SQL: one correlated MIN over the customer's
coupons (index ``customer, status, valid_until``), the reason a CASE over the eight possible days,
so no customer is looked at in Python.
"""

from datetime import timedelta

from django.db.models import Case, CharField, DateField, Min, OuterRef, Q, Subquery, Value, When
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Coupon, usable_in_store

WITHIN_DAYS = 7
KEY = "coupon_expiring"  # the row invitations/0002_default_segments made


def expiring_coupons(ctx):
    """The unused coupons, usable in ``ctx.store``, whose last day is within the window."""
    today = ctx.today
    return Coupon.objects.filter(usable_in_store(ctx.store), status=Coupon.Status.CLAIMED,
                                 valid_until__gte=today, valid_until__lte=today + timedelta(days=WITHIN_DAYS))


def reason_text(days: int) -> str:
    if days == 0:
        return _("Coupon expires today")
    return ngettext("Coupon expires tomorrow", "Coupon expires in %(n)d days", days) % {"n": days}


def coupon_expiring(ctx):
    from invitations.segments import SegmentQuery

    coupons = expiring_coupons(ctx)
    soonest = Subquery(coupons.filter(customer=OuterRef("pk")).order_by().values("customer")
                       .annotate(v=Min("valid_until")).values("v"), output_field=DateField())
    today = ctx.today
    # The first day the soonest coupon is not before, counting down from the end of the window.
    reason = Case(*[When(GreaterThanOrEqual(soonest, Value(today + timedelta(days=n), output_field=DateField())),
                         then=Value(reason_text(n))) for n in range(WITHIN_DAYS, -1, -1)],
                  default=Value(""), output_field=CharField())
    return SegmentQuery(condition=Q(pk__in=coupons.values("customer_id")), reason=reason)

