"""Reviews and ratings (CUS-9), and the reputation they build (seed 001: third-party installers
are chosen by their customers' reviews).

Invariants:
* A rating is 1-5; the subject's own column is set; ``store`` is always set (the store the
  review is about or was given in), so a manager sees their store's reviews.
* A review of an order's installation team or installer comes only from that order's customer,
  about a team that worked on the order. One review per customer, order and subject.
* Hidden reviews (head office: abuse, spam) count nowhere.
Reputation selectors take a review queryset already limited by ``visible_to``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils.translation import gettext as _

from stores.models import InstallationTeam, Product, Role, Solution, Staff, Store
from stores.scope import Level, scope_of

from .errors import CustomerError
from .models import Customer, Order, Review

REVIEWABLE_ROLES = {Role.ASSISTANT, Role.DESIGNER, Role.INSTALLER, Role.MEASURER, Role.STORE_MANAGER}
MAX_COMMENT = 1000


def _rating(value) -> int:
    try:
        rating = int(value)
    except (TypeError, ValueError):
        raise CustomerError(_("Choose a rating from 1 to 5 stars.")) from None
    if str(value).strip() != str(rating) or not 1 <= rating <= 5:
        raise CustomerError(_("Choose a rating from 1 to 5 stars."))
    return rating


@transaction.atomic
def review_create(*, customer: Customer, subject: str, rating, comment: str = "", order: Order | None = None,
                  store: Store | None = None, product: Product | None = None, solution: Solution | None = None,
                  staff: Staff | None = None, installation_team: InstallationTeam | None = None) -> Review:
    """One customer's review. Refuses a second review of the same subject for the same order."""
    rating = _rating(rating)
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise CustomerError(_("The comment is too long (up to %(n)d characters).") % {"n": MAX_COMMENT})
    if order is not None and order.customer_id != customer.pk:
        raise CustomerError(_("Only the customer of an order can review it."))
    if order is not None and order.status == Order.Status.CANCELLED:
        raise CustomerError(_("A cancelled order cannot be reviewed."))
    targets = {"product": product, "solution": solution, "staff": staff, "installation_team": installation_team}
    if subject not in Review.Subject.values:
        raise CustomerError(_("Unknown review subject."))
    if subject != Review.Subject.STORE and targets[subject] is None:
        raise CustomerError(_("Say what the review is about."))
    if any(value is not None for key, value in targets.items() if key != subject):
        raise CustomerError(_("A review is about one thing at a time."))
    if subject == Review.Subject.STAFF and staff.role not in REVIEWABLE_ROLES:
        raise CustomerError(_("This member of staff cannot be reviewed."))
    team_of_order = subject == Review.Subject.INSTALLATION_TEAM or (
        subject == Review.Subject.STAFF and staff.role == Role.INSTALLER)
    if team_of_order:
        from .orders import order_installation_teams

        if order is None:
            raise CustomerError(_("Installers are reviewed for the order they installed."))
        teams = order_installation_teams(order)
        if subject == Review.Subject.INSTALLATION_TEAM and installation_team not in teams:
            raise CustomerError(_("This installation team did not work on this order."))
        if subject == Review.Subject.STAFF and not order.logistics.filter(installer=staff).exists():
            raise CustomerError(_("This installer did not work on this order."))
    store = store or (order.store if order else None) or (staff.store if staff else None) or customer.store
    if store is None:
        raise CustomerError(_("Say which store the review is about."))
    # One review per subject and order: the customer row lock serialises two taps at once.
    Customer.objects.select_for_update().only("id").get(pk=customer.pk)
    if order is not None:
        same = Review.objects.filter(customer=customer, order=order, subject=subject, **{
            key: value for key, value in targets.items() if key == subject})
        if subject == Review.Subject.STORE:
            same = same.filter(store=store)
        if same.exists():
            raise CustomerError(_("You have already reviewed this for this order."))
    return Review.objects.create(customer=customer, order=order, subject=subject, store=store, rating=rating,
                                 comment=comment, **targets)


@transaction.atomic
def review_hide(*, review: Review, actor, hidden: bool = True) -> Review:
    """Head office hides (or shows again) an abusive review."""
    if scope_of(actor).level is not Level.ALL:
        raise CustomerError(_("Only head office can hide reviews."))
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.is_hidden != hidden:
        review.is_hidden = hidden
        review.save(update_fields=["is_hidden"])
    return review


# --- reputation --------------------------------------------------------------------------------


@dataclass
class Reputation:
    key: int
    name: str
    average: float | None = None
    count: int = 0
    distribution: dict[int, int] = field(default_factory=lambda: {star: 0 for star in range(5, 0, -1)})
    recent: list = field(default_factory=list)

    @property
    def bars(self) -> list[tuple[int, int, int]]:
        """(stars, count, percent of all) from 5 down to 1."""
        return [(star, n, round(100 * n / self.count) if self.count else 0) for star, n in self.distribution.items()]


def _stats(reviews: QuerySet, group: str) -> dict[int, dict]:
    rows = reviews.values(group).annotate(
        average=Avg("rating"), count=Count("id"), **{f"s{star}": Count("id", filter=Q(rating=star))
                                                      for star in range(1, 6)})
    return {row[group]: row for row in rows if row[group] is not None}


def _recent(reviews: QuerySet, group: str, keys, limit: int) -> dict[int, list]:
    """The newest ``limit`` comments of each group, in one query (a window function)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    ranked = (reviews.exclude(comment="").filter(**{f"{group}__in": list(keys)})
              .annotate(rank=Window(RowNumber(), partition_by=[F(group)], order_by=[F("created_at").desc(),
                                                                                 F("id").desc()]))
              .select_related("customer").order_by(group, "rank"))
    out: dict[int, list] = {}
    for review in ranked:
        if review.rank <= limit:
            out.setdefault(getattr(review, group), []).append(review)
    return out


def _reputations(reviews: QuerySet, group: str, names: dict[int, str], recent: int) -> list[Reputation]:
    stats = _stats(reviews, group)
    comments = _recent(reviews, group, names.keys(), recent) if recent else {}
    result = []
    for key, name in names.items():
        row = stats.get(key)
        rep = Reputation(key=key, name=name, recent=comments.get(key, []))
        if row:
            rep.average = round(float(row["average"]), 2)
            rep.count = row["count"]
            rep.distribution = {star: row[f"s{star}"] for star in range(5, 0, -1)}
        result.append(rep)
    result.sort(key=lambda r: (-(r.average or 0), -r.count, r.name))
    return result


def visible_reviews(user) -> QuerySet:
    """Reviews ``user`` may see, without the hidden ones."""
    return Review.objects.visible_to(user).filter(is_hidden=False)


def team_reviews(reviews: QuerySet) -> QuerySet:
    """Reviews that count for an installation team: of the team, or of one of its installers;
    annotated with ``team_id``."""
    from django.db.models.functions import Coalesce

    return (reviews.filter(Q(installation_team__isnull=False) | Q(subject=Review.Subject.STAFF,
                                                                  staff__installation_team__isnull=False))
            .annotate(team_id=Coalesce("installation_team_id", "staff__installation_team_id")))


def team_reputation(*, reviews: QuerySet, teams: QuerySet | None = None, recent: int = 5) -> list[Reputation]:
    """Per installation team: average, count, 5..1 distribution, newest comments.
    Teams without reviews in ``reviews`` appear only when passed in ``teams``."""
    counted = team_reviews(reviews)
    if teams is None:
        teams = InstallationTeam.objects.filter(pk__in=counted.values("team_id"))
    names = dict(teams.values_list("pk", "name"))
    return _reputations(counted, "team_id", names, recent)


def staff_reputation(*, reviews: QuerySet, recent: int = 3) -> list[Reputation]:
    about_staff = reviews.filter(subject=Review.Subject.STAFF)
    names = dict(Staff.objects.filter(pk__in=about_staff.values("staff")).values_list("pk", "name"))
    return _reputations(about_staff, "staff_id", names, recent)


def store_reputation(*, reviews: QuerySet, recent: int = 3) -> list[Reputation]:
    about_store = reviews.filter(subject=Review.Subject.STORE)
    names = dict(Store.objects.filter(pk__in=about_store.values("store")).values_list("pk", "name"))
    return _reputations(about_store, "store_id", names, recent)
