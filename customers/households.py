"""Households (CUS-12): joining a family member to a customer's household, leaving it, reading it.

* **Consent.** The sharer's newest ``Consent`` for ``household`` must be granted (given on their
  "my" page or the share sheet); the member's tap on "join" is theirs. Without the sharer's consent
  nothing is linked and the page says why.
* **One household per person.** Joining makes the sharer's household if they have none; a member
  already in another household is refused (leave it first), so nobody is moved silently.
* **Concurrency.** Both customer rows are locked in id order (the order every multi-customer write
  uses); the one-to-one membership is the last guard.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import CustomerError
from .models import Consent, Customer, Share
from .models.household import Household, HouseholdMember


def household_consented(customer: Customer) -> bool:
    latest = (Consent.objects.filter(customer=customer, purpose=Consent.Purpose.HOUSEHOLD)
              .order_by("-recorded_at", "-id").values_list("granted", flat=True).first())
    return bool(latest)


def household_of(customer: Customer) -> Household | None:
    member = HouseholdMember.objects.filter(customer=customer).select_related("household").first()
    return member.household if member else None


def household_join_refusal(*, member: Customer, share: Share) -> str | None:
    """Why ``member`` cannot join the household of ``share``'s sharer now (None: they can)."""
    sharer = share.sharer
    if sharer is None or sharer.pk == member.pk:
        return _("This link was not shared by another customer.")
    if sharer.erased_at is not None or member.erased_at is not None:
        return _("This customer's data was erased.")
    if not household_consented(sharer):
        return _("%(name)s has not agreed to link family members yet.") % {"name": sharer_shown_as(sharer)}
    mine, theirs = household_of(member), household_of(sharer)
    if mine is not None and theirs is not None and mine.pk == theirs.pk:
        return _("You are already in this household.")
    if mine is not None:
        return _("You are in another household: leave it first on your page.")
    return None


def sharer_shown_as(customer: Customer) -> str:
    """The sharer as a stranger holding the link may see them: the surname, masked (林**)."""
    name = (customer.name or "").strip()
    return name[0] + "*" * max(len(name) - 1, 1) if name else _("The person who shared")


@transaction.atomic
def household_join(*, member: Customer, share: Share, now=None) -> HouseholdMember:
    now = now or timezone.now()
    rows = {c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[member.pk, share.sharer_id])
            .order_by("pk")}
    member, sharer = rows.get(member.pk), rows.get(share.sharer_id)
    if member is None or sharer is None:
        raise CustomerError(_("This link was not shared by another customer."))
    share.sharer = sharer
    refusal = household_join_refusal(member=member, share=share)
    if refusal:
        raise CustomerError(refusal)
    household = household_of(sharer)
    if household is None:
        household = Household.objects.create(created_at=now)
        HouseholdMember.objects.create(customer=sharer, household=household, joined_at=now)
    return HouseholdMember.objects.create(customer=member, household=household, invited_by=sharer, via_share=share,
                                          joined_at=now)


@transaction.atomic
def household_leave(*, member: Customer) -> None:
    """The customer leaves their household (a household of one is dissolved)."""
    membership = HouseholdMember.objects.select_for_update().filter(customer=member).first()
    if membership is None:
        return
    household_id = membership.household_id
    membership.delete()
    left = HouseholdMember.objects.filter(household_id=household_id)
    if left.count() <= 1:
        left.delete()
        Household.objects.filter(pk=household_id).delete()


def household_members(customer: Customer, viewer=None) -> list[Customer]:
    """The other members of ``customer``'s household (those ``viewer`` may see, when given)."""
    household = household_of(customer)
    if household is None:
        return []
    others = Customer.objects.filter(household_member__household=household).exclude(pk=customer.pk)
    if viewer is not None:
        others = others & Customer.objects.visible_to(viewer)
    return list(others.order_by("household_member__joined_at"))


def people_and_households(customers) -> dict[str, int]:
    """KPIs count households as well as people: ``customers`` (a queryset) as people, and as
    households (each household once, everyone outside a household as one). Two queries: the count
    of people, and one small aggregate over the household members among them (households are few
    next to customers, so the big table is only counted, never joined)."""
    people = customers.count()
    members = HouseholdMember.objects.filter(customer__in=customers.values("pk")).aggregate(
        members=Count("pk"), households=Count("household", distinct=True))
    return {"people": people, "households": people - members["members"] + members["households"]}
