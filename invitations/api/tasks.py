"""API for invitation tasks (SPEC INV-4..9). Lists and details read through ``visible_to``: out of
scope answers 404 like missing; writes go through ``invitations.services``.

* ``GET  invitations/tasks/`` (filters ``store``, ``status``) and ``invitations/tasks/<id>/``
  (status, deadline, method, counts and ``metrics``: totals, per assistant, control lift; floor
  staff get the counts and figures of their own entries only, without the control group).
* ``POST invitations/tasks/`` {store, customers: [ids], method?, deadline?, segment?, title?,
  control_share?} → 201 the task; 400 {detail, refused: [{customer, reason}]} when customers cannot
  be invited (nothing dispatched; capped customers, INV-11, are one of the reasons); 409 when a
  concurrent dispatch took some of them first. Instead of ``customers``: {segment, all_matching:
  true, expected_count} dispatches every customer of the segment who can be invited now (the
  segment customers page's ``invitable``), or answers 409 {detail, count} when they are no longer
  ``expected_count`` many.
* ``POST invitations/tasks/<id>/end/`` → the ended task (idempotent).
* ``POST invitations/tasks/<id>/urge/`` → {reminded: [...], without_wechat: [...]}.
* ``GET  invitations/entries/`` (filters ``task``, ``mine=1`` = the caller's own to-do, no control
  entries) and ``invitations/entries/<id>/``.
* ``POST invitations/entries/<id>/feedback/`` {contact: reached|contact_failed, intent?: yes|no,
  note?} → the entry; 400 with the reason when refused (nothing changed).

Refusals answer {detail}: 400 for bad input or state (unknown value, ended task, control entry),
403 when the caller sees the row but may not act on it (an assistant ending a task, a manager
recording an assistant's feedback), 404 out of scope.
"""

from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from stores.models import Store

from ..errors import InvitationError
from ..models import InvitationEntry, InvitationTask
from ..segments import segment_invitable
from ..selectors import task_results, tasks_visible
from ..services import (
    DispatchConflict,
    DispatchListChanged,
    DispatchRefused,
    InvitationForbidden,
    invitation_feedback_record,
    invitation_task_dispatch,
    invitation_task_end,
    invitation_task_urge,
)


def refused(exc: InvitationError):
    """A refusal: 403 when the caller may not do this at all, else 400 (bad input or state)."""
    if isinstance(exc, InvitationForbidden):
        return PermissionDenied(str(exc))
    return ValidationError({"detail": str(exc)})


class TaskSerializer(serializers.ModelSerializer):
    store_name = serializers.CharField(source="store.name", read_only=True)
    segment = serializers.SlugRelatedField(slug_field="key", read_only=True)
    created_by = serializers.CharField(source="created_by.name", read_only=True)
    customer_count = serializers.IntegerField(read_only=True)
    control_count = serializers.IntegerField(read_only=True)
    awaiting_count = serializers.IntegerField(read_only=True)
    invited_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = InvitationTask
        fields = ["id", "title", "store", "store_name", "segment", "method", "status", "deadline", "control_share",
                  "created_by", "created_at", "ended_at", "customer_count", "control_count", "awaiting_count",
                  "invited_count"]
        read_only_fields = fields


def _jsonable(row: dict) -> dict:
    return {k: (str(v) if k in {"amount_paid", "invited_rate", "control_rate", "lift"} else v) for k, v in row.items()}


def _figures(row: dict) -> dict:
    """A results row without the control comparison's inputs (``control`` shows the comparison)."""
    return _jsonable({k: v for k, v in row.items()
                      if k not in {"lift", "lift_customers", "invited_paying", "control_paying"}})


class TaskDetailSerializer(TaskSerializer):
    metrics = serializers.SerializerMethodField()

    class Meta(TaskSerializer.Meta):
        fields = [*TaskSerializer.Meta.fields, "metrics"]
        read_only_fields = fields

    def get_metrics(self, task) -> dict:
        # Floor staff read the figures of their own entries, managers and up the whole task.
        results = task_results(task, viewer=self.context["request"].user)
        return {
            **_figures(results["totals"]),
            "per_assistant": [_figures(row) for row in results["per_assistant"]],
            "control": _jsonable(results["lift"]) if results["lift"] else None,
        }


class DispatchSerializer(serializers.Serializer):
    store = serializers.IntegerField()
    customers = serializers.ListField(child=serializers.IntegerField(), allow_empty=False, max_length=50_000,
                                      required=False)
    all_matching = serializers.BooleanField(default=False, help_text=(
        "Dispatch every customer of `segment` who can be invited now instead of a `customers` list."))
    expected_count = serializers.IntegerField(required=False, min_value=0, help_text=(
        "With all_matching: the number of customers the caller saw; refused (409) when it changed."))
    method = serializers.ChoiceField(choices=InvitationTask.Method.choices, default=InvitationTask.Method.ONE_TO_ONE)
    deadline = serializers.DateTimeField(required=False, allow_null=True)
    segment = serializers.SlugField(required=False, allow_blank=True, allow_null=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=100)
    control_share = serializers.DecimalField(max_digits=3, decimal_places=2, min_value=Decimal("0"),
                                             max_value=Decimal("0.5"),
                                             required=False, default=0)

    def validate(self, values):
        if values.get("all_matching"):
            if values.get("customers"):
                raise serializers.ValidationError(_("Give either customers or all_matching, not both."))
            if not values.get("segment") or values.get("expected_count") is None:
                raise serializers.ValidationError(_("all_matching needs a segment and the expected_count."))
        elif not values.get("customers"):
            raise serializers.ValidationError({"customers": [_("Select at least one customer to invite.")]})
        return values


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = TaskSerializer
    filterset_fields = ["store", "status"]
    ordering_fields = ["created_at", "deadline"]

    def get_queryset(self):
        return tasks_visible(self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return TaskDetailSerializer
        return TaskSerializer

    def _detail(self, task, code=status.HTTP_200_OK):
        task = tasks_visible(self.request.user).get(pk=task.pk)
        return Response(TaskDetailSerializer(task, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=DispatchSerializer, responses={201: TaskDetailSerializer})
    def create(self, request):
        data = DispatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        store = get_object_or_404(Store.objects.visible_to(request.user), pk=values["store"])
        try:
            matching = None
            if values["all_matching"]:
                matching = segment_invitable(key=values["segment"], store=store, viewer=request.user)
            task = invitation_task_dispatch(
                actor=request.user, store=store, customer_ids=values.get("customers"), matching=matching,
                expected_count=values.get("expected_count"), method=values["method"],
                deadline=values.get("deadline"), segment_key=values.get("segment") or None,
                title=values.get("title", ""), control_share=values.get("control_share") or 0,
            )
        except DispatchRefused as exc:
            refusals = [{"customer": r["customer"], "reason": str(r["reason"])} for r in exc.refusals]
            return Response({"detail": str(exc), "refused": refusals}, status=status.HTTP_400_BAD_REQUEST)
        except DispatchConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        except DispatchListChanged as exc:
            return Response({"detail": str(exc), "count": exc.count}, status=status.HTTP_409_CONFLICT)
        except InvitationError as exc:
            raise refused(exc) from None
        return self._detail(task, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        task = self.get_object()
        try:
            task = invitation_task_end(actor=request.user, task=task)
        except InvitationError as exc:
            raise refused(exc) from None
        return self._detail(task)

    @extend_schema(request=None, responses=dict)
    @action(detail=True, methods=["post"])
    def urge(self, request, pk=None):
        task = self.get_object()
        try:
            result = invitation_task_urge(actor=request.user, task=task)
        except InvitationError as exc:
            raise refused(exc) from None
        return Response({
            "reminded": [{"id": s.pk, "name": s.name} for s in result.reminded],
            "without_wechat": [{"id": s.pk, "name": s.name} for s in result.without_wechat],
        })


class EntrySerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.display_name", read_only=True)
    assistant_name = serializers.CharField(source="assistant.name", read_only=True)
    task_title = serializers.CharField(source="task.title", read_only=True)
    deadline = serializers.DateTimeField(source="task.deadline", read_only=True)

    class Meta:
        model = InvitationEntry
        fields = ["id", "task", "task_title", "deadline", "customer", "customer_name", "assistant", "assistant_name",
                  "store", "active", "is_control", "reason", "channel", "contact", "intent", "note", "feedback_at"]
        read_only_fields = fields


class FeedbackSerializer(serializers.Serializer):
    contact = serializers.CharField(allow_blank=True)
    intent = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class EntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = EntrySerializer
    filterset_fields = ["task", "contact", "intent", "assistant"]

    def get_queryset(self):
        entries = InvitationEntry.objects.visible_to(self.request.user).select_related("task", "customer", "assistant")
        staff = getattr(self.request.user, "staff", None)
        if staff is not None:
            # The control group is never shown to the assistant who would otherwise contact it.
            entries = entries.exclude(assistant=staff, is_control=True)
        if self.request.query_params.get("mine") in {"1", "true"}:
            entries = entries.filter(assistant=staff, active=True) if staff else entries.none()
        return entries.order_by("contact", "task__deadline", "id") if self.action == "list" else entries

    @extend_schema(request=FeedbackSerializer, responses=EntrySerializer)
    @action(detail=True, methods=["post"])
    def feedback(self, request, pk=None):
        entry = self.get_object()
        data = FeedbackSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            entry = invitation_feedback_record(actor=request.user, entry=entry, **data.validated_data)
        except InvitationError as exc:
            raise refused(exc) from None
        return Response(EntrySerializer(entry).data)


def register(router) -> None:
    """Add this module's viewsets to ``router`` (prefix them with ``invitations/``)."""
    router.register("invitations/tasks", TaskViewSet, basename="invitation-task")
    router.register("invitations/entries", EntryViewSet, basename="invitation-entry")


urlpatterns: list = []
