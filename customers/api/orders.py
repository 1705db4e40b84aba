"""API for orders (SPEC §4): viewsets registered on the customers router by `register`."""


def register(router) -> None:
    """Add this module's viewsets to ``router``."""


urlpatterns: list = []
