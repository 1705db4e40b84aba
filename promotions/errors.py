class PromotionError(Exception):
    """A refused promotion action (claim, redemption, reversal); the message (gettext) is for the user."""


class PromotionForbidden(PromotionError):
    """The actor may not do this at all (e.g. an assistant reversing a redemption)."""
