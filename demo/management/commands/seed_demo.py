import random
import time

from django.core.management.base import BaseCommand

from demo import data
from demo.seed import seed_customers, seed_organisation
from demo.seed_commerce import seed_commerce
from demo.seed_invitations_segments import seed_invitation_segments
from demo.seed_invitations_tasks import seed_invitation_tasks
from demo.seed_privacy import seed_privacy
from demo.seed_profiles import seed_profiles
from demo.seed_draws import seed_draws
from demo.seed_group_buy import seed_group_buy
from demo.seed_identity import seed_identity
from demo.seed_journeys import seed_journeys
from demo.seed_promotions import seed_promotions
from demo.seed_radar import seed_radar


class Command(BaseCommand):
    help = "Load the demo brand (organisation, staff, products, customers with orders). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument(
            "--customers", type=int, default=2000,
            help="Total number of customers wanted (topped up, never removed). 1000000 loads in minutes.",
        )
        parser.add_argument("--seed", type=int, default=20261124, help="Random seed, for repeatable data.")

    def handle(self, *args, customers, seed, **options):
        rng = random.Random(seed)
        started = time.monotonic()
        seed_organisation(rng)
        added, orders = seed_customers(customers, rng)
        seed_profiles(rng)
        seed_commerce(rng)
        seed_privacy(rng)
        seed_invitation_segments(rng)
        seed_invitation_tasks(rng)
        seed_promotions(rng)
        seed_draws(rng)
        seed_group_buy(rng)
        seed_journeys(rng)
        seed_radar(rng)
        seed_identity(rng)
        elapsed = time.monotonic() - started
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {added} customers and {orders} orders added in {elapsed:.1f}s."
        ))
        self.stdout.write(f"Sign in with password {data.DEMO_PASSWORD}:")
        for username, who in data.DEMO_LOGINS:
            self.stdout.write(f"  {username:<11} {who}")
