"""Demo data: Order items, payments, logistics nodes, points and stored value, rewards, reviews (CUS-7..9).
Adds its part only when that part is empty, so ``seed_demo`` can run again without piling up.

Rows are written directly (not through the services) so seeding sends no WeChat messages; the
ledgers are still appended in ``seq`` order with running balances, as the services would."""

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from customers.models import (
    Customer,
    LogisticsEvent,
    Order,
    OrderItem,
    Payment,
    PointsEntry,
    PointsRedemption,
    PointsReward,
    Review,
    StoredValueEntry,
)
from stores.models import InstallationTeam, Product, Role, Staff, Store

TEAMS = [("好师傅安装队", "好师傅家居服务有限公司", "张建国"), ("安居快装", "安居装饰工程有限公司", "刘强"),
         ("鲁班家装服务", "鲁班建筑安装有限公司", "陈伟")]
REWARDS = [("马桶清洁套装", "goods", "卫浴清洁剂、刷具一套", 800, 50), ("地板养护上门服务", "service", "专业师傅上门打蜡养护一次", 3000, 20),
           ("电影票两张", "goods", "周边影院通兑", 1500, 30), ("厨房深度清洁", "service", "油烟机、灶台深度清洁", 5000, None)]
TEAM_COMMENTS = {5: ["师傅很专业，安装完把地面清理得干干净净", "准时上门，细节处理得很好", "打孔前先铺了防尘布，很用心"],
                 4: ["安装不错，就是比约定时间晚了半小时", "整体满意，台面接缝处理得挺好"],
                 3: ["装得还行，沟通有点少", "等了两次才装好"],
                 2: ["师傅态度一般，垃圾没带走"], 1: ["安装的水槽漏水，返工了两次"]}
STAFF_COMMENTS = ["讲解很耐心，帮我们算得很清楚", "回复很及时", "推荐的方案很合适", ""]
NODE_ORDER = [LogisticsEvent.Node.SHIPPED, LogisticsEvent.Node.ARRIVED, LogisticsEvent.Node.INSTALLATION_BOOKED,
              LogisticsEvent.Node.INSTALLED]
NODES_FOR = {Order.Status.SHIPPED: 1, Order.Status.ARRIVED: 2, Order.Status.INSTALLATION_BOOKED: 3,
             Order.Status.INSTALLED: 4, Order.Status.COMPLETED: 4}


def seed_commerce(rng: random.Random) -> None:
    """Order items, payments, logistics nodes, points and stored value, rewards, reviews (CUS-7..9)."""
    with transaction.atomic():
        teams = _seed_teams()
        _seed_rewards()
        assistant = Staff.objects.filter(user__username="assistant").select_related("store").first()
        if assistant is not None and not OrderItem.objects.filter(order__assistant=assistant).exists():
            _seed_assistant_orders(assistant, rng)
        if teams and not Review.objects.exists():
            _seed_reviews(teams, rng)


def _seed_teams() -> list[InstallationTeam]:
    if InstallationTeam.objects.exists():
        return list(InstallationTeam.objects.all())
    stores = list(Store.objects.order_by("id"))
    teams = []
    for n, (name, company, contact) in enumerate(TEAMS):
        team = InstallationTeam.objects.create(name=name, company=company, contact_name=contact,
                                               phone=f"1390000{n:04d}")
        team.stores.set(stores[n::len(TEAMS)] or stores)
        teams.append(team)
    # Every store's installers work for the team that serves the store.
    for store in stores:
        team = next((t for t in teams if store in t.stores.all()), teams[0])
        Staff.objects.filter(store=store, role=Role.INSTALLER).update(installation_team=team)
    return teams


def _seed_rewards() -> None:
    if PointsReward.objects.exists():
        return
    for name, kind, description, cost, stock in REWARDS:
        PointsReward.objects.create(name=name, kind=kind, description=description, points_cost=cost, stock=stock)


def _items_for(order: Order, products: list[Product], rng: random.Random) -> list[OrderItem]:
    """One catalogue line at its price (as many as fit), the rest as a package line."""
    affordable = [p for p in products if p.price <= order.amount] or products[:1]
    product = rng.choice(affordable)
    quantity = max(1, min(3, int(order.amount // product.price)))
    line = OrderItem(order=order, product=product, sku=product.sku, name=product.name, category=product.category,
                     quantity=quantity, unit_price=product.price, amount=product.price * quantity)
    rest = order.amount - line.amount
    if rest <= 0:
        line.unit_price, line.quantity, line.amount = order.amount, 1, order.amount
        return [line]
    return [line, OrderItem(order=order, name="配套辅材及安装", quantity=1, unit_price=rest, amount=rest)]


def _seed_assistant_orders(assistant: Staff, rng: random.Random) -> None:
    now = timezone.now()
    products = list(Product.objects.filter(is_active=True))
    installer = Staff.objects.filter(store=assistant.store, role=Role.INSTALLER, is_active=True).first()
    orders = list(Order.objects.filter(assistant=assistant).select_related("customer").order_by("placed_at")[:60])
    if not products or not orders:
        return
    # The first customer's newest orders show every stage in the demo: awaiting payment, deposit
    # paid, shipped on its way.
    counts: dict[int, int] = {}
    for order in orders:
        counts[order.customer_id] = counts.get(order.customer_id, 0) + 1
    first = max(counts, key=lambda pk: (counts[pk], -pk))
    showcase = [o for o in orders if o.customer_id == first][-3:]
    # Known in WeChat, so "my orders" on the fake phone shows them.
    Customer.objects.filter(pk=first, openid__isnull=True).update(openid=f"o-demo-buyer-{first}")
    items, payments, events = [], [], []
    for order in orders:
        items += _items_for(order, products, rng)
        if order in showcase:
            order.status = [Order.Status.INSTALLED, Order.Status.SHIPPED, Order.Status.DEPOSIT_PAID][
                showcase.index(order) % 3]
            order.paid_at = None if order.status == Order.Status.PENDING else order.placed_at + timedelta(minutes=20)
            order.save(update_fields=["status", "paid_at"])
        if order.status == Order.Status.CANCELLED:
            continue
        paid_at = order.paid_at or order.placed_at
        if order.status == Order.Status.DEPOSIT_PAID:
            payments.append(Payment(order=order, kind=Order.PaymentType.DEPOSIT, amount=(order.amount * Decimal("0.2"))
                                    .quantize(Decimal("1")), paid_at=paid_at, recorded_by=assistant))
        elif order.status != Order.Status.PENDING:
            if order.payment_type in (Order.PaymentType.DEPOSIT, Order.PaymentType.BALANCE):
                deposit = (order.amount * Decimal("0.3")).quantize(Decimal("1"))
                payments += [Payment(order=order, kind=Order.PaymentType.DEPOSIT, amount=deposit, paid_at=paid_at,
                                     recorded_by=assistant),
                             Payment(order=order, kind=Order.PaymentType.BALANCE, amount=order.amount - deposit,
                                     paid_at=paid_at + timedelta(days=3), recorded_by=assistant)]
            else:
                payments.append(Payment(order=order, kind=order.payment_type, amount=order.amount, paid_at=paid_at,
                                        recorded_by=assistant))
        at = paid_at
        for node in NODE_ORDER[:NODES_FOR.get(order.status, 0)]:
            at = min(at + timedelta(days=rng.randrange(1, 4), hours=rng.randrange(1, 8)), now)
            booked = node == LogisticsEvent.Node.INSTALLATION_BOOKED
            events.append(LogisticsEvent(
                order=order, node=node, happened_at=at, location={"shipped": "嘉兴中心仓", "arrived": "客户小区"}.get(node, ""),
                scheduled_for=min(at + timedelta(days=2), now + timedelta(days=2)) if booked else None,
                installer=installer if node in (LogisticsEvent.Node.INSTALLATION_BOOKED, LogisticsEvent.Node.INSTALLED)
                else None))
    OrderItem.objects.bulk_create(items)
    Payment.objects.bulk_create(payments)
    LogisticsEvent.objects.bulk_create(events)
    _seed_ledgers(assistant, orders, rng)


def _seed_ledgers(assistant: Staff, orders: list[Order], rng: random.Random) -> None:
    """Points earned with the paid orders, a redemption or two, stored value for some customers."""
    rewards = list(PointsReward.objects.all())
    by_customer: dict[int, list[Order]] = {}
    for order in orders:
        if order.status not in (Order.Status.PENDING, Order.Status.DEPOSIT_PAID, Order.Status.CANCELLED):
            by_customer.setdefault(order.customer_id, []).append(order)
    points, stored = [], []
    for n, (customer_id, paid) in enumerate(by_customer.items()):
        seq, balance = 0, 0
        for order in paid:
            seq, balance = seq + 1, balance + int(order.amount)
            points.append(PointsEntry(customer_id=customer_id, seq=seq, kind=PointsEntry.Kind.EARN_ORDER,
                                      delta=int(order.amount), balance_after=balance, store_id=order.store_id,
                                      staff=assistant, order=order, note=order.number,
                                      idempotency_key=f"points:order:{order.pk}",
                                      created_at=order.paid_at or order.placed_at))
        reward = rng.choice(rewards) if rewards else None
        if reward is not None and n % 3 == 0 and balance >= reward.points_cost:
            redemption = PointsRedemption.objects.create(customer_id=customer_id, reward=reward,
                                                         points=reward.points_cost,
                                                         store=assistant.store, staff=assistant)
            if reward.stock:
                PointsReward.objects.filter(pk=reward.pk).update(stock=reward.stock - 1)
                reward.stock -= 1
            seq, balance = seq + 1, balance - reward.points_cost
            points.append(PointsEntry(customer_id=customer_id, seq=seq, kind=PointsEntry.Kind.REDEEM,
                                      delta=-reward.points_cost, balance_after=balance, store=assistant.store,
                                      staff=assistant, redemption=redemption, note=f"{reward.name} × 1"))
        if n % 2 == 0:
            when = paid[0].paid_at or paid[0].placed_at
            top_up = Decimal(rng.choice((1000, 2000, 5000)))
            spent = (top_up * Decimal("0.35")).quantize(Decimal("1"))
            stored += [StoredValueEntry(customer_id=customer_id, seq=1, kind=StoredValueEntry.Kind.TOP_UP, delta=top_up,
                                        balance_after=top_up, store=assistant.store, staff=assistant, note="充值活动",
                                        created_at=when - timedelta(days=7)),
                       StoredValueEntry(customer_id=customer_id, seq=2, kind=StoredValueEntry.Kind.SPEND, delta=-spent,
                                        balance_after=top_up - spent, store=assistant.store, staff=assistant,
                                        order=paid[0], note=paid[0].number, created_at=when)]
    PointsEntry.objects.bulk_create(points)
    StoredValueEntry.objects.bulk_create(stored)


def _seed_reviews(teams: list[InstallationTeam], rng: random.Random) -> None:
    """Reviews of installed orders (team, installer, assistant, store) in every store, so the
    reputation page has something to compare; the first team is the best, the last the worst."""
    installed = list(Order.objects.filter(status__in=[Order.Status.INSTALLED, Order.Status.COMPLETED])
                     .select_related("store", "assistant").order_by("id")[:400])
    team_of_store = {}
    for team in teams:
        for store_id in team.stores.values_list("id", flat=True):
            team_of_store.setdefault(store_id, team)
    installers = {s.store_id: s for s in Staff.objects.filter(role=Role.INSTALLER, is_active=True)}
    reviews = []
    now = timezone.now()
    for order in installed:
        if rng.random() > 0.5:
            continue
        team = team_of_store.get(order.store_id, teams[0])
        bias = teams.index(team)  # 0, 1, 2: later teams fare worse
        rating = max(1, min(5, round(rng.gauss(4.6 - 0.7 * bias, 0.8))))
        at = min((order.paid_at or order.placed_at) + timedelta(days=rng.randrange(5, 20)), now)
        reviews.append(Review(customer_id=order.customer_id, order=order, subject=Review.Subject.INSTALLATION_TEAM,
                              store=order.store, installation_team=team, rating=rating,
                              comment=rng.choice(TEAM_COMMENTS[rating]) if rng.random() < 0.7 else "", created_at=at))
        installer = installers.get(order.store_id)
        if installer is not None and rng.random() < 0.4:
            reviews.append(Review(customer_id=order.customer_id, order=order, subject=Review.Subject.STAFF,
                                  store=order.store, staff=installer, rating=max(1, rating - rng.choice((0, 0, 1))),
                                  created_at=at))
        if order.assistant_id and rng.random() < 0.6:
            reviews.append(Review(customer_id=order.customer_id, order=order, subject=Review.Subject.STAFF,
                                  store=order.store, staff=order.assistant, rating=rng.choice((4, 5, 5, 5)),
                                  comment=rng.choice(STAFF_COMMENTS), created_at=at))
        if rng.random() < 0.5:
            reviews.append(Review(customer_id=order.customer_id, order=order, subject=Review.Subject.STORE,
                                  store=order.store, rating=rng.choice((3, 4, 5, 5)), created_at=at))
    Review.objects.bulk_create(reviews)
