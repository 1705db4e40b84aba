"""Demo data: Order items, payments, logistics nodes, points and stored value, rewards, reviews (CUS-7..9).
Adds its part only when that part is empty, so ``seed_demo`` can run again without piling up."""

import random


def seed_commerce(rng: random.Random) -> None:
    """Order items, payments, logistics nodes, points and stored value, rewards, reviews (CUS-7..9)."""
