"""The invitation entries export (INV-9) writes a customer named like a formula as text."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from .metrics_world import NOVEMBER, build_world

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


def test_a_customer_named_like_a_formula_is_text_in_the_details_export(client, org):
    world = build_world(org)
    customer = world.entries[1].customer
    customer.name = FORMULA
    customer.save(update_fields=["name"])
    world.entries[1].task.__class__.objects.filter(pk=world.entries[1].task_id).update(title="-开业邀约")
    client.force_login(org.manager.user)

    response = client.get(reverse("invitations:metrics_details_export"), {**NOVEMBER, "store": org.store_a1.pk})

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows())
    header = [cell.value for cell in rows[0]]
    row = next(r for r in rows[1:] if r[0].value == FORMULA)
    assert row[0].data_type == "s"
    task = row[header.index("任务")]
    assert (task.data_type, task.value) == ("s", "-开业邀约")
    paid = row[header.index("7天内支付金额")]
    assert paid.data_type == "n" and paid.value == pytest.approx(1500.50)
