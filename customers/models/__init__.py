"""The customers app's tables, one module per concern; import them from here."""

from .core import (OF_CUSTOMER, CodeTag, Customer, CustomerTag, Favourite, OwnerChange, PageType, PageView,
                   ScanEvent, Share, ShareOpen, Tag)
from .orders import OF_ORDER, LogisticsEvent, Order, OrderItem, Payment
from .profile import AfterSalesRecord, CustomerProfile, FollowUp, IntentGradeChange, TagRule
from .ledgers import PointsEntry, PointsRedemption, PointsReward, StoredValueEntry
from .reviews import Review
from .privacy import AuditLog, Consent, MaskedContactSession, PrivacyRequest
from .jobs import DataJob

__all__ = [
    "OF_CUSTOMER", "OF_ORDER", "AfterSalesRecord", "AuditLog", "CodeTag", "Consent", "Customer", "CustomerProfile",
    "CustomerTag", "DataJob", "Favourite", "FollowUp", "IntentGradeChange", "LogisticsEvent", "MaskedContactSession",
    "Order", "OrderItem", "OwnerChange", "PageType", "PageView", "Payment", "PointsEntry", "PointsRedemption",
    "PointsReward", "PrivacyRequest", "Review", "ScanEvent", "Share", "ShareOpen", "StoredValueEntry", "Tag", "TagRule",
]
