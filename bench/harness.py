"""Benchmark harness: each benchmark measures itself *and* a baseline in the same run.

A benchmark module ``bench/bench_<name>.py`` defines ``run(scale: float) -> Result`` (or a list
of Results, one per goal). The
harness sets Django up on a throw-away database (created like the test database, on whatever
``DATABASE_URL`` points at), runs the chosen benchmarks and prints, for each, its absolute figures
and one closing line::

    BENCH <name> ratio=<measured ratio> goal=<goal> PASS|FAIL

``BENCH_SCALE`` (default 1.0) shrinks or grows the data sizes for quick or thorough runs.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import traceback
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    ratio: float
    goal: str  # e.g. ">=0.3" or "<=3"
    figures: dict[str, str] = field(default_factory=dict)
    skipped: str = ""  # why the benchmark could not run here (e.g. it needs PostgreSQL)

    @property
    def passed(self) -> bool:
        if self.skipped:
            return True
        op, target = self.goal[:2], float(self.goal[2:])
        return self.ratio >= target if op == ">=" else self.ratio <= target


def timed(fn: Callable[[], object], repeat: int = 1) -> float:
    """Best wall time of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def available() -> list[str]:
    here = os.path.dirname(__file__)
    return sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([here]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    names = argv or available()
    unknown = set(names) - set(available())
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; available: {', '.join(available())}")
        return 2
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    print(f"# database: {connection.vendor}; BENCH_SCALE={scale}")
    failures = 0
    for name in names:
        # Each benchmark gets a database of its own: one's data must not become another's baseline
        # (a benchmark that tops up to N customers would find them already there).
        state = setup_databases(verbosity=0, interactive=False)
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            results = module.run(scale)
        except Exception:  # noqa: BLE001 - report it and go on with the next benchmark
            traceback.print_exc()
            print(f"BENCH {name} ratio=n/a goal=? ERROR", flush=True)
            failures += 1
            continue
        finally:
            teardown_databases(state, verbosity=0)
        for result in results if isinstance(results, list) else [results]:
            for key, value in result.figures.items():
                print(f"  {result.name}: {key} = {value}")
            if result.skipped:
                print(f"BENCH {result.name} ratio=n/a goal={result.goal} SKIP ({result.skipped})", flush=True)
                continue
            verdict = "PASS" if result.passed else "FAIL"
            failures += not result.passed
            print(f"BENCH {result.name} ratio={result.ratio:.3f} goal={result.goal} {verdict}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
