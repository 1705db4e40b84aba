"""Demo data: Profiles (stages 2-3), grades with history, tags and rules, follow-ups (CUS-1..5).
Adds its part only when that part is empty, so ``seed_demo`` can run again without piling up."""

import random


def seed_profiles(rng: random.Random) -> None:
    """Profiles (stages 2-3), grades with history, tags and rules, follow-ups (CUS-1..5)."""
