"""API for invitation metrics (SPEC INV-9).

* ``GET /api/v1/invitations/metrics/?by=store&from=2026-11-01&to=2026-11-30&status=running`` →
  ``{by, rows: [{id, name, ..., figures}], totals: figures}``, where the figures are a task's
  results (INV-7: invited, with/without intent, awaiting feedback, contact failed, paying customers,
  amount paid, orders; payments within 7 days after a successful invitation) plus ``customers``
  dispatched, ``control`` held back and ``control_comparison`` (null without a control group).

``by`` is ``region`` (head office), ``store`` (managers and up), ``assistant`` or ``task``; the
default is the first the caller may use. ``from``/``to`` are local dates of dispatch, both
included; without them, all time. ``region``, ``store``, ``assistant``, ``task`` narrow the rows.
The rows are the caller's scope: a supervisor's region, a manager's store, an assistant's own
entries (without the control group). A grouping the caller may not use, or a store or region out
of scope, answers 400; partners and users without a staff record 403.
"""

from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from invitations.metrics import GROUPINGS, groupings_for, metrics_filter, metrics_table
from invitations.models import InvitationTask


def register(router) -> None:
    """Nothing on the router: the metrics are one read (see ``urlpatterns``)."""


RATE = {"max_digits": 6, "decimal_places": 4}


class ControlComparisonSerializer(serializers.Serializer):
    invited_customers = serializers.IntegerField(help_text="Invited (not held back) customers of tasks with a "
                                                           "control group.")
    invited_paying = serializers.IntegerField()
    invited_rate = serializers.DecimalField(**RATE)
    control_customers = serializers.IntegerField()
    control_paying = serializers.IntegerField()
    control_rate = serializers.DecimalField(**RATE)
    lift = serializers.DecimalField(**RATE, help_text="invited_rate - control_rate")


class FiguresSerializer(serializers.Serializer):
    customers = serializers.IntegerField(help_text="Customers dispatched (control group apart).")
    control = serializers.IntegerField(help_text="Customers held back as the control group.")
    invited = serializers.IntegerField(help_text="Reached.")
    with_intent = serializers.IntegerField()
    without_intent = serializers.IntegerField()
    awaiting_feedback = serializers.IntegerField()
    contact_failed = serializers.IntegerField()
    paying_customers = serializers.IntegerField(help_text="Paid within 7 days after a successful invitation.")
    amount_paid = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="CNY, within those 7 days.")
    orders = serializers.IntegerField()
    control_comparison = ControlComparisonSerializer(source="lift", allow_null=True)


class GroupSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="key", help_text="The region, store, assistant (staff) or task id.")
    name = serializers.CharField()
    job_number = serializers.CharField(required=False, help_text="by=assistant")
    store_name = serializers.CharField(required=False, help_text="by=task")
    status = serializers.ChoiceField(choices=InvitationTask.Status.choices, required=False, help_text="by=task")
    dispatched_at = serializers.DateTimeField(required=False, help_text="by=task")


class MetricsRowSerializer(GroupSerializer, FiguresSerializer):
    """A group (first its id and name) and its figures."""


class MetricsSerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=list(GROUPINGS))
    rows = MetricsRowSerializer(many=True)
    totals = FiguresSerializer()


def _date(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.DATE, description=description)


class InvitationMetrics(APIView):
    """Invitation figures per region, store, assistant or task in the caller's scope, with totals."""

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=list(GROUPINGS), description="Grouping (region: head office only)."),
            _date("from", "Dispatched on or after this local date."),
            _date("to", "Dispatched on or before this local date."),
            OpenApiParameter("status", str, enum=InvitationTask.Status.values, description="Task status."),
            OpenApiParameter("region", int), OpenApiParameter("store", int),
            OpenApiParameter("assistant", int), OpenApiParameter("task", int),
        ],
        responses=MetricsSerializer,
    )
    def get(self, request):
        allowed = groupings_for(request.user)
        if not allowed:
            raise PermissionDenied(_("Invitation metrics are for staff."))
        by = request.query_params.get("by") or allowed[0]
        if by not in allowed:
            raise ValidationError({"by": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]})
        filterset = metrics_filter(request.user, request.query_params)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return Response(MetricsSerializer(metrics_table(filterset.qs, by=by)).data)


urlpatterns: list = [
    path("invitations/metrics/", InvitationMetrics.as_view(), name="invitation-metrics"),
]
