"""Head office's segment strategy in the admin (INV-2): custom conditions validated with the rule
engine, the field catalogue shown, offers per store or all stores, members read-only."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from invitations.models import Segment, SegmentAssignment, SegmentMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(org):
    user = get_user_model().objects.create_superuser("t-admin", "a@example.com", "pw-for-tests-1")
    client = Client()
    client.force_login(user)
    return client


def _segment_post(**overrides):
    data = {"key": "grade-ab", "name": "AB 类意向", "kind": "custom", "description": "",
            "conditions": '[{"field": "intent_grade", "op": "in", "value": ["A", "B"]}]', "position": 9,
            "assignments-TOTAL_FORMS": 1, "assignments-INITIAL_FORMS": 0, "assignments-MIN_NUM_FORMS": 0,
            "assignments-MAX_NUM_FORMS": 1000, "assignments-0-store": "", "assignments-0-is_active": "on"}
    data.update(overrides)
    return data


def test_add_form_shows_the_field_catalogue(admin_client):
    response = admin_client.get("/admin/invitations/segment/add/")

    assert response.status_code == 200
    assert "<code>intent_grade</code>" in response.content.decode()


def test_a_custom_segment_offered_to_all_stores_is_visible_tomorrow(admin_client):
    response = admin_client.post("/admin/invitations/segment/add/", _segment_post())

    assert response.status_code == 302, response.content.decode()[:2000]
    row = SegmentAssignment.objects.get(segment__key="grade-ab")
    assert row.store is None and row.visible_from == timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize("conditions, message", [
    ('[{"field": "nope", "op": "eq", "value": 1}]', "nope"),  # names the unknown field
    ('[]', ""),
    ('[{"field": "intent_grade", "op": "gte", "value": "A"}]', "gte"),  # names the wrong op
])
def test_invalid_custom_conditions_are_refused(admin_client, conditions, message):
    response = admin_client.post("/admin/invitations/segment/add/", _segment_post(conditions=conditions))

    assert response.status_code == 200
    assert message in str(response.context["adminform"].form.errors["conditions"])
    assert not Segment.objects.filter(key="grade-ab").exists()


def test_a_recommended_segment_needs_a_known_key(admin_client):
    response = admin_client.post("/admin/invitations/segment/add/",
                                 _segment_post(kind="recommended", key="made-up", conditions=""))

    assert response.status_code == 200
    assert "made-up" in str(response.context["adminform"].form.errors["key"])


def test_removing_an_offer_in_the_admin_takes_effect_at_once(admin_client, org):
    row = SegmentAssignment.objects.get(segment__key="birthday_this_month", store=None)

    response = admin_client.post(f"/admin/invitations/segmentassignment/{row.pk}/change/",
                                 {"segment": row.segment_id, "store": "", "is_active": ""})

    assert response.status_code == 302
    row.refresh_from_db()
    assert row.is_active is False


def test_members_are_read_only(admin_client, org):
    segment = Segment.objects.create(key="c", name="c", kind="custom",
                                     conditions=[{"field": "intent_grade", "op": "eq", "value": "A"}])
    customer = org.store_a1.customers.first()
    member = SegmentMember.objects.create(segment=segment, customer=customer, store=org.store_a1,
                                          computed_on=timezone.localdate())

    assert admin_client.get("/admin/invitations/segmentmember/").status_code == 200
    assert admin_client.get("/admin/invitations/segmentmember/add/").status_code == 403
    assert admin_client.post(f"/admin/invitations/segmentmember/{member.pk}/delete/", {"post": "yes"}).status_code \
        == 403
