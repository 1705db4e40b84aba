"""Orders (CUS-7): create, take money, move through the logistics nodes, cancel.

Invariants:
* ``amount`` is the sum of the items; the items copy name, SKU, category and price from the
  product when sold, so later catalogue changes never touch an order.
* Attribution (QR-4): an online order belongs to the customer's owning store and owner
  assistant (the assistant keeps the commission for the customer they won); an in-store order to
  the store and assistant who recorded it.
* Money never exceeds the amount; ``paid_at`` is the moment of the first money; the status is
  ``deposit_paid`` until fully paid, then ``paid`` (points are earned then, once).
* Logistics nodes only move the status forward, never on a cancelled order; each node tells
  the customer once (outbox key ``logistics:<event id>``) and, for the installation nodes,
  reminds the owner assistant.
Every write locks the order row first, so two taps at once cannot both pass a check.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from stores.models import Product, Role, Staff

from .errors import CustomerError
from .models import Customer, LogisticsEvent, Order, OrderItem, Payment
from .privacy import customer_ensure_editable

CENT = Decimal("0.01")
MAX_ITEMS = 50

# Where each logistics node puts the order; the order of STATUS_RANK is the only way forward.
NODE_STATUS = {
    LogisticsEvent.Node.SHIPPED: Order.Status.SHIPPED,
    LogisticsEvent.Node.ARRIVED: Order.Status.ARRIVED,
    LogisticsEvent.Node.INSTALLATION_BOOKED: Order.Status.INSTALLATION_BOOKED,
    LogisticsEvent.Node.INSTALLED: Order.Status.INSTALLED,
}
STATUS_RANK = {status: rank for rank, status in enumerate([
    Order.Status.PENDING, Order.Status.DEPOSIT_PAID, Order.Status.PAID, Order.Status.SHIPPED, Order.Status.ARRIVED,
    Order.Status.INSTALLATION_BOOKED, Order.Status.INSTALLED, Order.Status.COMPLETED,
])}
INSTALLATION_NODES = {LogisticsEvent.Node.INSTALLATION_BOOKED, LogisticsEvent.Node.INSTALLED}
# Statuses from which an order may still be cancelled (nothing has left the warehouse).
CANCELLABLE = {Order.Status.PENDING, Order.Status.DEPOSIT_PAID, Order.Status.PAID}


@dataclass(frozen=True)
class ItemInput:
    """One line: a catalogue product (price copied unless given) or a free line (name and price)."""

    quantity: int = 1
    product: Product | None = None
    name: str = ""
    unit_price: Decimal | str | None = None


def money(value, *, field: str = "") -> Decimal:
    """A positive-or-zero amount in yuan with two decimals, or a clear error."""
    try:
        amount = Decimal(str(value)).quantize(CENT)
    except (InvalidOperation, ValueError, TypeError):
        raise CustomerError(_("“%(value)s” is not an amount of money.") % {"value": value}) from None
    if amount < 0 or not amount.is_finite():
        raise CustomerError(_("An amount cannot be negative."))
    if amount >= Decimal("10000000000"):
        raise CustomerError(_("This amount is too large."))
    return amount


def _new_number(now: datetime) -> str:
    return f"SL{timezone.localtime(now):%Y%m%d}{secrets.randbelow(10 ** 8):08d}"


def _attribution(customer: Customer, channel: str, staff: Staff | None):
    """(store, assistant) the order counts for (QR-4)."""
    if channel == Order.Channel.ONLINE or staff is None or staff.store_id is None:
        return customer.store, customer.owner_assistant
    return staff.store, staff


@transaction.atomic
def order_create(*, customer: Customer, items: list[ItemInput], channel: str = Order.Channel.IN_STORE,
                 payment_type: str = Order.PaymentType.IN_STORE, staff: Staff | None = None,
                 placed_at: datetime | None = None, note: str = "") -> Order:
    """A new order, awaiting payment. ``staff`` is who records it (None for an online shop)."""
    if channel not in Order.Channel.values:
        raise CustomerError(_("Unknown order channel."))
    if payment_type not in Order.PaymentType.values:
        raise CustomerError(_("Unknown payment type."))
    if not items:
        raise CustomerError(_("An order needs at least one item."))
    if len(items) > MAX_ITEMS:
        raise CustomerError(_("An order has at most %(n)d items.") % {"n": MAX_ITEMS})
    customer_ensure_editable(customer)
    store, assistant = _attribution(customer, channel, staff)
    if store is None:
        raise CustomerError(_("The customer belongs to no store yet, so the order cannot be attributed."))
    lines = []
    for item in items:
        if not isinstance(item.quantity, int) or item.quantity < 1 or item.quantity > 9999:
            raise CustomerError(_("A quantity must be a whole number from 1 to 9999."))
        if item.product is not None:
            if not item.product.is_active:
                raise CustomerError(_("%(name)s is no longer on sale.") % {"name": item.product.name})
            price = money(item.product.price if item.unit_price in (None, "") else item.unit_price)
            line = OrderItem(product=item.product, sku=item.product.sku, name=item.product.name,
                             category=item.product.category, unit_price=price)
        else:
            name = (item.name or "").strip()
            if not name or len(name) > 100:
                raise CustomerError(_("A line without a product needs a name (up to 100 characters)."))
            if item.unit_price in (None, ""):
                raise CustomerError(_("A line without a product needs a price."))
            line = OrderItem(name=name, unit_price=money(item.unit_price))
        line.quantity = item.quantity
        line.amount = (line.unit_price * item.quantity).quantize(CENT)
        lines.append(line)
    if len(note) > 200:
        raise CustomerError(_("The note is too long (up to 200 characters)."))
    placed_at = placed_at or timezone.now()
    amount = sum((line.amount for line in lines), Decimal("0.00"))
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    number=_new_number(placed_at), customer=customer, store=store, assistant=assistant,
                    channel=channel, payment_type=payment_type, amount=amount, placed_at=placed_at, note=note,
                )
            break
        except IntegrityError:  # the number was taken (one in 10^8 a day): draw again
            continue
    else:  # pragma: no cover - five collisions in a row
        raise CustomerError(_("Could not number the order; please try again."))
    for line in lines:
        line.order = order
    OrderItem.objects.bulk_create(lines)
    return order


def installers_for(order: Order):
    """Installers who may be booked for ``order``: the store's own and its teams' members (active)."""
    installers = Staff.objects.filter(is_active=True, role=Role.INSTALLER)
    return ((installers.filter(store=order.store_id) | installers.filter(installation_team__stores=order.store_id))
            .distinct().select_related("installation_team"))


def _locked(order: Order) -> Order:
    return (Order.objects.select_for_update(of=("self",)).select_related("customer", "store", "assistant")
            .get(pk=order.pk))


def order_paid_total(order: Order) -> Decimal:
    return order.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


@transaction.atomic
def payment_record(*, order: Order, kind: str, amount, staff: Staff | None = None,
                   paid_at: datetime | None = None) -> Payment:
    """Money received for ``order``. Refuses more than is still due and cancelled orders."""
    order = _locked(order)
    if kind not in Order.PaymentType.values:
        raise CustomerError(_("Unknown payment type."))
    amount = money(amount)
    if amount <= 0:
        raise CustomerError(_("A payment must be more than zero."))
    if order.status == Order.Status.CANCELLED:
        raise CustomerError(_("This order was cancelled; it takes no more payments."))
    due = order.amount - order_paid_total(order)
    if amount > due:
        raise CustomerError(_("Only %(due)s yuan is still due on this order.") % {"due": due})
    paid_at = paid_at or timezone.now()
    payment = Payment.objects.create(order=order, kind=kind, amount=amount, paid_at=paid_at, recorded_by=staff)
    fields = []
    if order.paid_at is None:
        order.paid_at = paid_at
        fields.append("paid_at")
    fully_paid = amount == due
    new_status = Order.Status.PAID if fully_paid else Order.Status.DEPOSIT_PAID
    # Payment never moves a shipped order back; it only lifts pending → deposit paid → paid.
    if STATUS_RANK.get(order.status, 99) < STATUS_RANK[new_status]:
        order.status = new_status
        fields.append("status")
    if fields:
        order.save(update_fields=fields)
    if fully_paid:
        from .ledgers import points_for_order

        points_for_order(order=order, staff=staff)
    return payment


def _order_url(order: Order) -> str:
    return settings.PUBLIC_BASE_URL + reverse("h5:my_orders") + f"#order-{order.pk}"


def _notify(event: LogisticsEvent, order: Order) -> None:
    """Tell the customer (template message) and, for installation nodes, the owner assistant."""
    from wechat.outbox import message_enqueue, staff_remind

    customer = order.customer
    node = event.get_node_display()
    when = timezone.localtime(event.scheduled_for or event.happened_at)
    if customer.openid:
        message_enqueue(
            key=f"logistics:{event.pk}", openid=customer.openid,
            template_id=settings.WECHAT_TEMPLATE_ORDER_PROGRESS,
            data={"character_string1": {"value": order.number}, "phrase2": {"value": node[:5]},
                  "time3": {"value": f"{when:%Y-%m-%d %H:%M}"},
                  "thing4": {"value": (event.location or event.note or order.store.name)[:20]}},
            url=_order_url(order), purpose="order_progress", customer=customer, store=order.store,
        )
    assistant = order.assistant or customer.owner_assistant
    if event.node in INSTALLATION_NODES and assistant is not None:
        staff_remind(staff=assistant, key=f"logistics-staff:{event.pk}",
                     title=f"{order.number} {node}", body=f"{customer.display_name} {when:%m-%d %H:%M}",
                     url=settings.PUBLIC_BASE_URL + reverse("workbench:customer_orders", args=[customer.pk]))


@transaction.atomic
def logistics_record(*, order: Order, node: str, actor=None, happened_at: datetime | None = None,
                     location: str = "", scheduled_for: datetime | None = None, installer: Staff | None = None,
                     note: str = "") -> LogisticsEvent:
    """The order reached a logistics node. Moves the status forward only."""
    order = _locked(order)
    if node not in NODE_STATUS:
        raise CustomerError(_("Unknown logistics node."))
    if order.status == Order.Status.CANCELLED:
        raise CustomerError(_("This order was cancelled; it has no logistics."))
    target = NODE_STATUS[node]
    if STATUS_RANK[order.status] >= STATUS_RANK[target]:
        raise CustomerError(_("This order is already “%(status)s”; logistics only move forward.")
                            % {"status": order.get_status_display()})
    if len(location) > 100 or len(note) > 200:
        raise CustomerError(_("Place (up to 100 characters) or note (up to 200) is too long."))
    if node == LogisticsEvent.Node.INSTALLATION_BOOKED and scheduled_for is None:
        raise CustomerError(_("Give the appointment time for the installation."))
    if installer is not None and not installer.is_active:
        raise CustomerError(_("This installer no longer works with us."))
    # The same choice as the workbench form offers, enforced here for the API and the admin too.
    if installer is not None and not installers_for(order).filter(pk=installer.pk).exists():
        raise CustomerError(_("Only an installer of the order's store or of an installation team serving it "
                              "can be booked for this order."))
    event = LogisticsEvent.objects.create(
        order=order, node=node, happened_at=happened_at or timezone.now(), location=location.strip(),
        scheduled_for=scheduled_for, installer=installer, note=note.strip(),
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    order.status = target
    order.save(update_fields=["status"])
    _notify(event, order)
    return event


@transaction.atomic
def order_cancel(*, order: Order, staff: Staff | None = None, reason: str = "") -> Order:
    """Cancel an order that has not left the warehouse; points earned with it are taken back."""
    order = _locked(order)
    if order.status == Order.Status.CANCELLED:
        raise CustomerError(_("This order is already cancelled."))
    if order.status not in CANCELLABLE:
        raise CustomerError(_("This order is already on its way; it can no longer be cancelled."))
    if len(reason) > 150:
        raise CustomerError(_("The reason is too long (up to 150 characters)."))
    from .ledgers import points_for_order_reverse

    points_for_order_reverse(order=order, staff=staff)
    order.status = Order.Status.CANCELLED
    if reason:
        order.note = f"{order.note} · {reason}".strip(" ·")[:200]
    order.save(update_fields=["status", "note"])
    return order


def order_installation_teams(order: Order) -> list:
    """The installation teams that worked on ``order`` (from its installers), for its review form."""
    from stores.models import InstallationTeam

    return list(InstallationTeam.objects.filter(
        members__in=LogisticsEvent.objects.filter(order=order, installer__isnull=False).values("installer")
    ).distinct())
