"""Data scope (SPEC ORG-3), enforced in this one place.

Every page, API, export and admin list gets its rows through ``<Model>.objects.visible_to(user)``.
A model says how it hangs off the organisation with a :class:`ScopeRule`; the acting user's
:class:`Scope` (HQ, region, store, own rows, partner, nothing) turns that rule into a filter.

Levels, from the widest:

* ``ALL``     HQ operators (and superusers) see everything.
* ``REGION``  a region supervisor sees the rows of their region.
* ``STORE``   a store manager sees the rows of their store.
* ``OWN``     an assistant (designer, installer, measurer) sees the rows they own; for a model
  without an owner (a store, a region) they see their own store's row, as a manager would.
* ``PARTNER`` a partner sees rows linked to themselves and nothing of the organisation.
* ``NONE``    anonymous users, users without a staff or partner record, staff who left.

When a rule has no path for the user's level, the next wider level the rule knows is used with
the user's own ancestor (an assistant looking at regions sees their store's region). Out-of-scope
rows are simply absent, so a detail view answers 404 exactly as for a missing row.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

Path = str | tuple[str, ...] | None


class Level(enum.IntEnum):
    NONE = 0
    PARTNER = 1
    OWN = 2
    STORE = 3
    REGION = 4
    ALL = 5


@dataclass(frozen=True)
class ScopeRule:
    """Lookups from a model to the organisation. A tuple means "any of these" (OR)."""

    region: Path = None
    store: Path = None
    owner: Path = None
    partner: Path = None


@dataclass(frozen=True)
class Scope:
    level: Level
    region_id: int | None = None
    store_id: int | None = None
    staff_id: int | None = None
    partner_id: int | None = None

    def filter(self, queryset: models.QuerySet, rule: ScopeRule) -> models.QuerySet:
        if self.level is Level.ALL:
            return queryset
        if self.level is Level.PARTNER:
            return _where(queryset, rule.partner, self.partner_id)
        # Staff below HQ: use the narrowest path the rule knows at or above the user's level.
        candidates = [
            (Level.OWN, rule.owner, self.staff_id),
            (Level.STORE, rule.store, self.store_id),
            (Level.REGION, rule.region, self.region_id),
        ]
        for level, path, value in candidates:
            if level >= self.level and path is not None:
                return _where(queryset, path, value)
        return queryset.none()


def _where(queryset: models.QuerySet, path: Path, value: int | None) -> models.QuerySet:
    if path is None or value is None:
        return queryset.none()
    paths = (path,) if isinstance(path, str) else path
    condition = Q()
    for lookup in paths:
        condition |= Q(**{lookup: value})
    return queryset.filter(condition)


NO_SCOPE = Scope(Level.NONE)


def scope_of(user: AbstractBaseUser | AnonymousUser | None) -> Scope:
    """The data scope of ``user``; computed once per user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_data_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._data_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    from stores.models import Role, Staff

    if user.is_superuser:
        return Scope(Level.ALL)
    staff = Staff.objects.select_related("store").filter(user=user, is_active=True).first()
    if staff is not None:
        if staff.role == Role.HQ_OPERATOR:
            return Scope(Level.ALL, staff_id=staff.pk)
        if staff.role == Role.REGION_SUPERVISOR:
            return Scope(Level.REGION, region_id=staff.region_id, staff_id=staff.pk)
        region_id = staff.store.region_id if staff.store else None
        level = Level.STORE if staff.role == Role.STORE_MANAGER else Level.OWN
        return Scope(level, region_id=region_id, store_id=staff.store_id, staff_id=staff.pk)
    partner = getattr(user, "partner", None)
    if partner is not None and partner.is_active:
        return Scope(Level.PARTNER, partner_id=partner.pk)
    return NO_SCOPE


class ScopedQuerySet(models.QuerySet):
    """QuerySet of a model that declares ``scope_rule``: adds ``visible_to(user)``."""

    def visible_to(self, user) -> models.QuerySet:
        return scope_of(user).filter(self, self.model.scope_rule)


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)
