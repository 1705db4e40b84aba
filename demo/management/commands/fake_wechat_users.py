"""Tell the fake WeChat server who the demo's WeChat users are (``make serve`` runs this once the
fake server answers): it starts empty on every start, while the database remembers customers and
staff with openids, and WeChat answers a message to an unknown user with an error. Followers stay
followers; nothing is sent. Only in fake WeChat mode."""

import time

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from customers.models import Customer
from stores.models import Staff

BATCH = 500


class Command(BaseCommand):
    help = "Register the database's WeChat users (customers and staff with an openid) with the fake WeChat server."

    def add_arguments(self, parser):
        parser.add_argument("--wait", type=float, default=15, help="Seconds to wait for the fake server to answer.")

    def handle(self, *args, wait, **options):
        if settings.WECHAT_MODE != "fake":
            raise CommandError("only in fake WeChat mode")
        url = settings.WECHAT_API_BASE + "_fake/users"
        deadline = time.monotonic() + wait
        while True:
            try:
                requests.get(url, params={"openid": "-"}, timeout=2).raise_for_status()
                break
            except requests.RequestException as exc:
                if time.monotonic() > deadline:
                    raise CommandError(f"the fake WeChat server does not answer at {url}: {exc}") from exc
                time.sleep(0.3)
        users = [{"openid": openid, "unionid": unionid, "subscribed": subscribed}
                 for openid, unionid, subscribed in Customer.objects.filter(openid__isnull=False, erased_at=None)
                 .values_list("openid", "unionid", "wechat_subscribed")]
        users += [{"openid": openid, "subscribed": True}
                  for openid in Staff.objects.exclude(wechat_openid="").exclude(wechat_openid=None)
                  .values_list("wechat_openid", flat=True)]
        for start in range(0, len(users), BATCH):
            batch = [{key: value for key, value in user.items() if value is not None}
                     for user in users[start:start + BATCH]]
            requests.post(url, json={"users": batch}, timeout=10).raise_for_status()
        self.stdout.write(f"fake WeChat knows {len(users)} users")
