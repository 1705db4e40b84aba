"""Real concurrency for PostgreSQL tests: start every call at the same moment, each on its own
thread and therefore its own database connection."""

import threading

from django.db import connection


def run_together(*calls, refusals=(), timeout: float = 60):
    """Run ``calls`` together; returns ``(results, refused)``: what the calls returned, and the
    exceptions of the ``refusals`` types they raised (a refusal is an answer, not a failure). Any
    other exception fails the test."""
    barrier = threading.Barrier(len(calls))
    results, refused, errors = [], [], []

    def worker(call):
        try:
            barrier.wait(timeout=10)
            results.append(call())
        except refusals as exc:
            refused.append(exc)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not errors, errors
    return results, refused
