"""Who a manager may invite right now and, for everyone else, why not (SPEC INV-3, INV-5, INV-11):
the marks both customer pickers show (a segment's list, a manual filter's list) and the set that
"select all N matching" dispatches.

A customer cannot be ticked when (the first reason wins, in the order the dispatch refuses):
personal data erased → owner assistant not active in the store → in a running task (inviting) →
contacted within head office's interval (capped, shown with both dates). Nobody is dropped
silently: the lists show them marked, the counts say how many of each.

"Select all matching" is resolved again by the dispatch from the same segment or filter; the
page sends the count it showed and a fingerprint of the set (count, sum, sum of squares, lowest
and highest id: one aggregate to compute, and two different sets of one size practically never
agree on all five), so a set that changed in between is refused instead of dispatched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, Max, Min, OuterRef, Q, QuerySet, Sum
from django.http import QueryDict
from django.utils.translation import gettext as _

from customers.contacts import ContactCap
from customers.filters import CustomerFilter
from customers.models import Customer
from stores.models import Store

from .errors import InvitationError
from .models import InvitationEntry
from .segments import inviting_q, selectable_q

ERASED, OWNER_OUTSIDE, INVITING, CAPPED = "erased", "owner_outside", "inviting", "capped"


def candidates_annotate(customers: QuerySet[Customer], *, store: Store) -> QuerySet[Customer]:
    """``owner_in_store`` (INV-5) and ``inviting`` (a running task) on each row, in the row query."""
    return customers.annotate(
        owner_in_store=ExpressionWrapper(selectable_q(store), output_field=BooleanField()),
        inviting=Exists(InvitationEntry.objects.filter(customer=OuterRef("pk"), active=True)),
    )


def candidates_mark(rows: Iterable[Customer], *, cap: ContactCap) -> list[Customer]:
    """Set ``capped_until`` (when they may be invited, None: now) and ``block`` (why they cannot be
    ticked, "" when they can) on each row. Rows of a segment list are all owned in the store."""
    rows = list(rows)
    for customer in rows:
        customer.capped_until = cap.allowed_from(customer.last_contacted_at)
        if customer.erased_at is not None:
            customer.block = ERASED
        elif not getattr(customer, "owner_in_store", True):
            customer.block = OWNER_OUTSIDE
        elif getattr(customer, "inviting", False):
            customer.block = INVITING
        elif customer.capped_until is not None:
            customer.block = CAPPED
        else:
            customer.block = ""
    return rows


def invitable_q(store: Store, cap: ContactCap, *, selectable: Q | None = None) -> Q:
    """Not erased, owned in the store, not inviting, not capped (``selectable``: the store's
    ``selectable_q`` when the caller has it already; it costs a query)."""
    selectable = selectable_q(store) if selectable is None else selectable
    return Q(erased_at__isnull=True) & selectable & ~inviting_q(store) & ~cap.capped_q()


# --- "Select all N matching" --------------------------------------------------------------------


@dataclass(frozen=True)
class Matching:
    """The invitable customers of a segment or filter as the manager saw them."""

    count: int
    fingerprint: str


def _aggregates(condition: Q | None = None) -> dict:
    """The five figures of a set's fingerprint, as aggregates (over the rows matching ``condition``)."""
    only = {"filter": condition} if condition is not None else {}
    return {"fp_n": Count("pk", **only), "fp_sum": Sum("pk", **only), "fp_squares": Sum(F("pk") * F("pk"), **only),
            "fp_min": Min("pk", **only), "fp_max": Max("pk", **only)}


def _fingerprint(row: dict) -> str:
    parts = [int(row[key] or 0) for key in ("fp_n", "fp_sum", "fp_squares", "fp_min", "fp_max")]
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:16]


def ids_fingerprint(ids: Iterable[int]) -> str:
    ids = list(ids)
    return _fingerprint({"fp_n": len(ids), "fp_sum": sum(ids), "fp_squares": sum(i * i for i in ids),
                         "fp_min": min(ids, default=0), "fp_max": max(ids, default=0)})


def matching_of(customers: QuerySet[Customer]) -> Matching:
    """Count and fingerprint of a set, one aggregate query."""
    row = customers.order_by().aggregate(**_aggregates())
    return Matching(count=row["fp_n"] or 0, fingerprint=_fingerprint(row))


# --- A manual filter (``customers.filters.CustomerFilter``) over one store ---------------------------


def filter_candidates(*, store: Store, viewer, params: QueryDict, request=None) -> CustomerFilter:
    """The store's customers the viewer sees, narrowed by ``params`` through the one customer
    FilterSet (its ``.qs`` is empty when ``params`` do not validate: see ``.errors``)."""
    customers = Customer.objects.visible_to(viewer).filter(store=store)
    return CustomerFilter(params, queryset=customers, request=request)


def filter_invitable(*, store: Store, viewer, params: QueryDict, cap: ContactCap, request=None) -> QuerySet[Customer]:
    """The customers matching the filter that may be invited now; refuses an invalid filter."""
    filterset = filter_candidates(store=store, viewer=viewer, params=params, request=request)
    if not filterset.is_valid():
        raise InvitationError(_("The customer filter is not valid; open the list again."))
    return filterset.qs.filter(invitable_q(store, cap))


def filter_figures(customers: QuerySet[Customer], *, store: Store, cap: ContactCap) -> dict:
    """ONE aggregate over the filter's customers: {total, invitable, erased, owner_outside,
    inviting, capped} (each customer counted under its first reason) and the ``matching``
    fingerprint of the invitable ones."""
    selectable = selectable_q(store)
    live = Q(erased_at__isnull=True)
    inviting, capped = inviting_q(store), cap.capped_q()
    invitable = invitable_q(store, cap, selectable=selectable)
    live_owned = live & selectable
    row = customers.order_by().aggregate(
        total=Count("pk"),
        erased=Count("pk", filter=~live),
        owner_outside=Count("pk", filter=live & ~selectable),
        inviting=Count("pk", filter=live_owned & inviting),
        capped=Count("pk", filter=live_owned & ~inviting & capped),
        invitable=Count("pk", filter=invitable),
        **_aggregates(invitable),
    )
    figures = {name: row[name] or 0 for name in ("total", "erased", "owner_outside", "inviting", "capped",
                                                   "invitable")}
    figures["matching"] = Matching(count=figures["invitable"], fingerprint=_fingerprint(row))
    return figures
