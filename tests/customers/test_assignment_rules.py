"""Store-code rules (QR-4): duty roster, daily cap, backup assistant."""

from django.utils import timezone

from customers.models import Customer
from stores.models import DutyShift, QRCode

from ..factories import StaffFactory
from .conftest import as_wechat_user


def scan_new(client, code, n):
    as_wechat_user(client, f"o-rule-{code.pk}-{n}")
    client.get(f"/q/{code.token}")
    return Customer.objects.get(openid=f"o-rule-{code.pk}-{n}").owner_assistant


def test_on_duty_codes_give_new_customers_only_to_todays_assistants(client, org, codes):
    code = codes["store"]
    QRCode.objects.filter(pk=code.pk).update(assignment=QRCode.Assignment.ON_DUTY)
    DutyShift.objects.create(store=org.store_a1, staff=org.colleague, date=timezone.localdate())
    owners = {scan_new(client, code, n) for n in range(3)}
    assert owners == {org.colleague}


def test_without_anyone_on_duty_the_whole_store_rotates(client, org, codes):
    code = codes["store"]
    QRCode.objects.filter(pk=code.pk).update(assignment=QRCode.Assignment.ON_DUTY)
    assert {scan_new(client, code, n) for n in range(4)} == {org.assistant, org.colleague}


def test_an_assistant_over_the_daily_cap_is_skipped(client, org, codes):
    code = codes["store"]
    QRCode.objects.filter(pk=code.pk).update(daily_cap=1)
    first, second = scan_new(client, code, 0), scan_new(client, code, 1)
    assert {first, second} == {org.assistant, org.colleague}
    # Both are at the cap now: the next new customer is bound to the store only, for the manager.
    assert scan_new(client, code, 2) is None
    assert Customer.objects.get(openid=f"o-rule-{code.pk}-2").store == org.store_a1


def test_the_backup_takes_over_when_the_codes_assistant_is_capped_or_gone(client, org, codes):
    backup = StaffFactory(role="assistant", store=org.store_a1)
    code = codes["assistant"]
    QRCode.objects.filter(pk=code.pk).update(daily_cap=1, backup_staff=backup)
    assert scan_new(client, code, 0) == org.assistant
    assert scan_new(client, code, 1) == backup
