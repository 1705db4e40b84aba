"""The customers app's tables, one module per concern; import them from here."""

from .core import (OF_CUSTOMER, CodeTag, Customer, CustomerTag, Favourite, OwnerChange, PageType, PageView,
                   ScanEvent, Share, ShareOpen, Tag)
from .orders import OF_ORDER, LogisticsEvent, Order, OrderItem, Payment
from .profile import AfterSalesRecord, CustomerProfile, FollowUp, IntentGradeChange, TagRule
from .ledgers import PointsEntry, PointsRedemption, PointsReward, StoredValueEntry
from .reviews import Review
from .privacy import AuditLog, Consent, MaskedContactSession, PrivacyRequest
from .jobs import DataJob
from .identity import CustomerIdentity, CustomerMerge, MergeDismissal
from .household import Household, HouseholdMember
from .radar import RadarEvent, RadarReminder

__all__ = [
    "OF_CUSTOMER", "OF_ORDER", "AfterSalesRecord", "AuditLog", "CodeTag", "Consent", "Customer", "CustomerIdentity", "CustomerMerge", "CustomerProfile",
    "CustomerTag", "DataJob", "Favourite", "FollowUp", "Household", "HouseholdMember", "IntentGradeChange", "LogisticsEvent", "MaskedContactSession", "MergeDismissal",
    "Order", "OrderItem", "OwnerChange", "PageType", "PageView", "Payment", "PointsEntry", "PointsRedemption",
    "PointsReward", "PrivacyRequest", "RadarEvent", "RadarReminder", "Review", "ScanEvent", "Share", "ShareOpen", "StoredValueEntry", "Tag", "TagRule",
]
