"""Demo data: Consents and a few audit-log entries (CUS-11).
Adds its part only when that part is empty, so ``seed_demo`` can run again without piling up."""

import random


def seed_privacy(rng: random.Random) -> None:
    """Consents and a few audit-log entries (CUS-11)."""
