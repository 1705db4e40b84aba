"""The shared token: one fetch for many workers, a locked refresh, expiry stored with the token."""

import threading
import time

import pytest
from django.core.cache.backends.locmem import LocMemCache

from wechat.client import make_official_account_client
from wechat.token_storage import CacheStorage, TokenRefreshTimeout


@pytest.fixture
def cache():
    # Threads share a LocMemCache; the database cache would need committed transactions per thread.
    shared = LocMemCache("wechat-token-tests", {})
    yield shared
    shared.clear()


class CountingFetch:
    def __init__(self, storage, key="k", value="token", ttl=7200, pause=0.0):
        self.storage, self.key, self.value, self.ttl, self.pause = storage, key, value, ttl, pause
        self.calls = 0

    def __call__(self):
        self.calls += 1
        time.sleep(self.pause)
        self.storage.set(self.key, f"{self.value}-{self.calls}", self.ttl)


def test_set_stores_the_expiry_with_the_value(cache):
    storage = CacheStorage(cache)
    storage.set("k", "v", 7200)

    record = cache.get("wechatpy:k")
    assert record["value"] == "v" and 7190 < record["expires_at"] - time.time() <= 7200
    assert storage.get("k") == "v"
    storage.delete("k")
    assert storage.get("k", "gone") == "gone"


def test_a_token_close_to_expiry_is_refreshed_early(cache):
    storage = CacheStorage(cache)
    fetch = CountingFetch(storage)
    storage.set("k", "old", 200)  # under the 300 s margin

    assert storage.token("k", fetch) == "token-1"
    assert storage.token("k", fetch) == "token-1"
    assert fetch.calls == 1


def test_a_stale_token_already_replaced_by_another_worker_is_not_fetched_again(cache):
    storage = CacheStorage(cache)
    fetch = CountingFetch(storage)
    storage.set("k", "new-from-another-worker", 7200)

    assert storage.token("k", fetch, stale="old") == "new-from-another-worker"
    assert fetch.calls == 0
    assert storage.token("k", fetch, stale="new-from-another-worker") == "token-1"


def test_concurrent_workers_fetch_once(cache):
    storage = CacheStorage(cache)
    fetch = CountingFetch(storage, pause=0.2)
    results = []
    threads = [threading.Thread(target=lambda: results.append(storage.token("k", fetch))) for _ in range(12)]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert fetch.calls == 1
    assert results == ["token-1"] * 12


def test_a_dead_lock_holder_only_delays_the_others(cache):
    storage = CacheStorage(cache, lock_ttl=0.5)
    cache.add("wechatpy:k:refresh-lock", "a worker that died", 0.5)
    fetch = CountingFetch(storage)

    started = time.monotonic()
    assert storage.token("k", fetch) == "token-1"
    assert 0.4 < time.monotonic() - started < 2


def test_no_token_after_waiting_raises_retry_later(cache):
    storage = CacheStorage(cache, lock_ttl=0.3)
    cache.add("wechatpy:k:refresh-lock", "held forever", 60)

    with pytest.raises(TokenRefreshTimeout):
        storage.token("k", CountingFetch(storage))


def test_a_failed_fetch_releases_the_lock(cache):
    storage = CacheStorage(cache)

    def broken():
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        storage.token("k", broken)
    assert cache.get("wechatpy:k:refresh-lock") is None


def test_many_clients_over_http_fetch_one_token(fake, cache):
    """Twelve 'workers', each with its own wechatpy client and HTTP session, one shared cache."""
    fake.add_user(openid="o-a")
    clients = [make_official_account_client("wx-fake-app-id", "fake-secret", fake.url, 2.0, CacheStorage(cache))
               for _ in range(12)]
    answers = []
    threads = [threading.Thread(target=lambda c=c: answers.append(c.user.get("o-a")["openid"])) for c in clients]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == ["o-a"] * 12
    assert fake.stats()["token_fetches"] == {"wx-fake-app-id": 1}


def test_the_database_cache_backs_the_default_storage(db, settings):
    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    storage = CacheStorage()
    fetch = CountingFetch(storage)

    assert storage.token("k", fetch) == "token-1"
    assert CacheStorage().token("k", fetch) == "token-1"
    assert fetch.calls == 1
