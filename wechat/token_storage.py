"""One WeChat access token for all workers, kept in Django's cache and refreshed by one of them.

Why: every fetch of ``/cgi-bin/token`` invalidates the previous token (after a 5-minute overlap)
and the account may fetch 2,000 a day. wechatpy tracks expiry per process and refreshes without
a lock, so N workers would fetch N tokens and knock each other's out. Here:

* the token is stored with its expiry (``{"value", "expires_at"}``) in ``django.core.cache``
  (Redis in production, the database cache in the embedded default), so every process sees it;
* a refresh happens under a lock taken with ``cache.add`` (atomic on both backends) with a short
  TTL; the others wait for the new token instead of fetching their own;
* an invalid token is replaced only if it is still the stored one (``stale``): when another
  worker already replaced it, its token is used and nothing is fetched.
"""

import logging
import time
import uuid
from collections.abc import Callable

from wechatpy.session import SessionStorage

logger = logging.getLogger(__name__)

# Refresh this long before WeChat's expiry, so no call leaves with a token about to die.
EARLY_REFRESH_SECONDS = 300


class TokenRefreshTimeout(RuntimeError):
    """Another process held the refresh lock too long and left no usable token: try again later."""


class CacheStorage(SessionStorage):
    """A wechatpy ``SessionStorage`` over Django's cache, with a locked token refresh."""

    def __init__(self, cache=None, prefix: str = "wechatpy", lock_ttl: float = 15.0, poll: float = 0.05):
        if cache is None:
            from django.core.cache import cache as default_cache

            cache = default_cache
        self.cache = cache
        self.prefix = prefix
        # Longer than one token fetch can take (HTTP timeout): a lock outliving its holder only
        # delays the others by this much.
        self.lock_ttl = lock_ttl
        self.poll = poll

    def key_name(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    # --- wechatpy's SessionStorage --------------------------------------------------------
    def get(self, key, default=None):
        record = self.cache.get(self.key_name(key))
        if record is None:
            return default
        if record["expires_at"] is not None and record["expires_at"] <= time.time():
            return default
        return record["value"]

    def set(self, key, value, ttl=None):
        if value is None:
            return
        expires_at = time.time() + ttl if ttl else None
        self.cache.set(self.key_name(key), {"value": value, "expires_at": expires_at}, ttl or None)

    def delete(self, key):
        self.cache.delete(self.key_name(key))

    # --- the shared token -----------------------------------------------------------------
    def fresh(self, key: str, margin: float = EARLY_REFRESH_SECONDS) -> str | None:
        """The stored value if it has more than ``margin`` seconds to live."""
        record = self.cache.get(self.key_name(key))
        if record and (record["expires_at"] is None or record["expires_at"] - margin > time.time()):
            return record["value"]
        return None

    def token(self, key: str, fetch: Callable[[], object], *, stale: str | None = None,
              margin: float = EARLY_REFRESH_SECONDS) -> str:
        """The shared token for ``key``; ``fetch()`` (which stores it with ``set``) runs in one process only.

        ``stale``: a token WeChat just refused; a stored token equal to it does not count as fresh.
        """
        current = self.fresh(key, margin)
        if current and current != stale:
            return current

        lock_key = self.key_name(f"{key}:refresh-lock")
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + 2 * self.lock_ttl
        while True:
            # cache.add is atomic (Redis SET NX; an INSERT under a unique key in the database
            # cache). Reading back guards against the database cache's expired-row race.
            if self.cache.add(lock_key, owner, self.lock_ttl) and self.cache.get(lock_key) == owner:
                try:
                    current = self.fresh(key, margin)  # refreshed while we were getting the lock?
                    if current and current != stale:
                        return current
                    logger.info("Fetching a new WeChat access token for %s", key)
                    fetch()
                    current = self.get(key)
                    if not current:
                        raise TokenRefreshTimeout(f"token fetch for {key} stored no token")
                    return current
                finally:
                    if self.cache.get(lock_key) == owner:
                        self.cache.delete(lock_key)
            time.sleep(self.poll)
            current = self.fresh(key, margin)
            if current and current != stale:
                return current
            if time.monotonic() > deadline:
                # Better an old token that still works (WeChat keeps it valid a while) than none.
                current = self.get(key)
                if current and current != stale:
                    return current
                raise TokenRefreshTimeout(f"no fresh token for {key} after waiting for another refresh")
