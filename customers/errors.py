class CustomerError(Exception):
    """A customer operation refused for a reason the user can act on; the message is for them."""
