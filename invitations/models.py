"""Customer invitation (客户邀约, SPEC §5; seed 002 is the reference): segments worth inviting,
tasks a store manager dispatches, and each customer's entry in a task with the assistant's feedback."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from stores.models import Staff, Store
from stores.scope import ScopedManager, ScopeRule


class Segment(models.Model):
    """A group of a store's customers worth inviting (邀约人群). Recommended segments are computed
    live from their ``key`` (``invitations.segments``); custom segments are rules over profile,
    tags, grade, orders, scans (``customers.rules`` conditions), computed by the nightly job into
    ``SegmentMember`` rows, so a store sees a new custom segment the next day (seed 002)."""

    class Kind(models.TextChoices):
        RECOMMENDED = "recommended", _("Recommended segment")
        CUSTOM = "custom", _("Custom segment")

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    # One of the six segments every store gets unless head office removes it (INV-1).
    is_default = models.BooleanField(_("recommended to every store"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    last_computed_at = models.DateTimeField(_("last computed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class SegmentAssignment(models.Model):
    """Head office's segment strategy (INV-2): a segment offered to one store, or to every store
    (``store`` empty). Removing it (``is_active`` off) takes effect at once: the segment can no
    longer be used. A custom segment becomes visible from ``visible_from`` (the next day)."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="assignments",
                                verbose_name=_("segment"))
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name=_("store"), help_text=_("Empty: every store."))
    is_active = models.BooleanField(_("offered"), default=True)
    visible_from = models.DateField(_("visible from"), default=timezone.localdate)
    created_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("segment for stores")
        verbose_name_plural = _("segments for stores")
        ordering = ["segment__position", "store_id"]
        constraints = [
            models.UniqueConstraint(fields=["segment", "store"], name="segment_once_per_store"),
            models.UniqueConstraint(fields=["segment"], condition=Q(store__isnull=True),
                                    name="segment_once_for_all_stores"),
        ]

    def __str__(self):
        return f"{self.segment} → {self.store or _('every store')}"


class SegmentMember(models.Model):
    """A customer in a custom segment, as the nightly job last computed it."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members",
                                verbose_name=_("segment"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    reason = models.CharField(_("why"), max_length=100, blank=True)
    computed_on = models.DateField(_("computed on"))

    class Meta:
        verbose_name = _("segment member")
        verbose_name_plural = _("segment members")
        constraints = [models.UniqueConstraint(fields=["segment", "customer"], name="segment_member_once")]
        indexes = [models.Index(fields=["segment", "store"])]


class InvitationTask(models.Model):
    """One dispatch by a store manager (邀约任务): customers of the store, each to their owner
    assistant, to invite back by the deadline."""

    class Method(models.TextChoices):
        ONE_TO_ONE = "one_to_one", _("One-to-one by the assistant")
        GROUP_SEND = "group_send", _("Group send by the assistant")

    class Status(models.TextChoices):
        RUNNING = "running", _("Inviting")
        ENDED = "ended", _("Ended")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="invitation_tasks",
                              verbose_name=_("store"))
    title = models.CharField(_("title"), max_length=100)
    segment = models.ForeignKey(Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks",
                                verbose_name=_("segment"))
    method = models.CharField(_("method"), max_length=20, choices=Method.choices, default=Method.ONE_TO_ONE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    deadline = models.DateTimeField(_("deadline"))
    # Share of the selected customers held back, not contacted, to measure what the invitation added.
    control_share = models.DecimalField(_("control share"), max_digits=3, decimal_places=2, default=0)
    created_by = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("dispatched by"))
    created_at = models.DateTimeField(_("dispatched at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("ended by"))

    objects = ScopedManager()
    # Floor staff see their store's tasks (their own entries are the to-do, scoped by entry).
    scope_rule = ScopeRule(region="store__region", store="store")

    class Meta:
        verbose_name = _("invitation task")
        verbose_name_plural = _("invitation tasks")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["store", "status", "-created_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(control_share__gte=0, control_share__lte="0.5"),
                                   name="invitation_control_share_0_to_half"),
        ]

    def __str__(self):
        return self.title


class InvitationEntry(models.Model):
    """One customer in one task. ``active`` is true while the task runs: a customer has at most one
    active entry (INV-3, the "inviting" status), enforced by a partial unique index."""

    class Channel(models.TextChoices):
        WECOM = "wecom", _("WeCom chat")
        PHONE = "phone", _("Phone or SMS")
        GROUP_SEND = "group_send", _("WeCom group send")

    class Contact(models.TextChoices):
        PENDING = "", _("Awaiting feedback")
        REACHED = "reached", _("Reached")
        FAILED = "contact_failed", _("Contact failed")

    class Intent(models.TextChoices):
        UNKNOWN = "", _("Not known")
        YES = "yes", _("Will visit")
        NO = "no", _("No intent")

    task = models.ForeignKey(InvitationTask, on_delete=models.CASCADE, related_name="entries",
                             verbose_name=_("task"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitation_entries",
                                 verbose_name=_("customer"))
    assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="invitation_entries",
                                  verbose_name=_("assistant"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    active = models.BooleanField(_("inviting"), default=True)
    # Held back to measure lift: never shown to the assistant, never contacted.
    is_control = models.BooleanField(_("control group"), default=False)
    reason = models.CharField(_("why"), max_length=100, blank=True)
    channel = models.CharField(_("suggested channel"), max_length=20, choices=Channel.choices)
    # Why the suggested channel is not the task's method, e.g. a group send that fell back to
    # one-to-one because WeCom's group-send quota was used up (INV-6). Shown to the assistant.
    channel_note = models.CharField(_("channel note"), max_length=100, blank=True)

    class GroupState(models.TextChoices):
        NONE = "", _("Not in a group send")
        WAITING = "waiting", _("Waiting to be sent")
        IN_MESSAGE = "in_message", _("In a WeCom group message")
        SENT = "sent", _("Sent by WeCom")

    # Where a group-send entry is (``invitations.group_send``); empty for one-to-one entries.
    group_state = models.CharField(_("group send"), max_length=12, choices=GroupState.choices, blank=True,
                                   default="")
    contact = models.CharField(_("contact result"), max_length=20, choices=Contact.choices, blank=True, default="")
    intent = models.CharField(_("intent to visit"), max_length=5, choices=Intent.choices, blank=True, default="")
    note = models.CharField(_("note"), max_length=200, blank=True)
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="assistant")

    class Meta:
        verbose_name = _("invitation entry")
        verbose_name_plural = _("invitation entries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(active=True),
                                    name="invitation_one_running_task_per_customer"),
            models.UniqueConstraint(fields=["task", "customer"], name="invitation_customer_once_per_task"),
        ]
        indexes = [
            models.Index(fields=["task", "assistant"]),
            models.Index(fields=["assistant", "active"]),
            models.Index(fields=["customer", "feedback_at"]),
        ]

    def __str__(self):
        return f"{self.task_id} · {self.customer_id}"


class GroupSend(models.Model):
    """One WeCom group message of a group-send task for one assistant (INV-6): made once, then
    checked until WeCom says who got it. Due rows are picked up by the beat job like the outbox."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        AWAITING_CONFIRMATION = "awaiting_confirmation", _("Waiting for the assistant to confirm in WeCom")
        DONE = "done", _("Sent")
        FELL_BACK = "fell_back", _("Fell back to one-to-one")

    task = models.ForeignKey(InvitationTask, on_delete=models.CASCADE, related_name="group_sends",
                             verbose_name=_("task"))
    assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", verbose_name=_("assistant"))
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.PENDING)
    msgid = models.CharField(_("WeCom msgid"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    checks = models.PositiveSmallIntegerField(_("result checks"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="task__store__region", store="task__store", owner="assistant")

    class Meta:
        verbose_name = _("WeCom group send")
        verbose_name_plural = _("WeCom group sends")
        constraints = [models.UniqueConstraint(fields=["task", "assistant"], name="group_send_once_per_assistant")]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.task_id} · {self.assistant_id} · {self.status}"


class InvitationAttempt(models.Model):
    """One call, chat or group invitation of a task's customer by the assistant, as they record it
    (seed 003's phone invitation log, 电话邀约记录表). The entry keeps the latest result; the
    attempts are the log, the day's progress against the targets and the evening review."""

    entry = models.ForeignKey(InvitationEntry, on_delete=models.CASCADE, related_name="attempts",
                              verbose_name=_("invitation entry"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="invitation_attempts",
                                  verbose_name=_("assistant"))
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    channel = models.CharField(_("channel"), max_length=20, choices=InvitationEntry.Channel.choices)
    contact = models.CharField(_("contact result"), max_length=20,
                               choices=[c for c in InvitationEntry.Contact.choices if c[0]])
    intent = models.CharField(_("intent to visit"), max_length=5, choices=InvitationEntry.Intent.choices,
                              blank=True, default="")
    # The grade the assistant gave in this attempt (seed 003's A/B/C/D), also set on the customer.
    grade = models.CharField(_("intent grade"), max_length=1, choices=Customer.IntentGrade.choices, blank=True)
    # Asked to join the store's WeChat group (seed 003: 30 group invitations a day).
    group_invited = models.BooleanField(_("invited to the WeChat group"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="assistant")

    class Meta:
        verbose_name = _("invitation attempt")
        verbose_name_plural = _("invitation attempts")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["store", "at"]),
            models.Index(fields=["assistant", "at"]),
        ]

    def __str__(self):
        return f"{self.entry_id} · {self.at:%Y-%m-%d %H:%M}"


class DailyTarget(models.Model):
    """An assistant's process targets for one day (seed 003: set at the morning meeting, checked at
    the evening review). Without a row the head office's daily defaults apply."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    assistant = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="daily_targets",
                                  verbose_name=_("assistant"))
    day = models.DateField(_("day"))
    calls = models.PositiveSmallIntegerField(_("calls"))
    group_invitations = models.PositiveSmallIntegerField(_("group invitations"))
    set_by = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("set by"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="assistant")

    class Meta:
        verbose_name = _("daily target")
        verbose_name_plural = _("daily targets")
        ordering = ["-day", "assistant_id"]
        constraints = [models.UniqueConstraint(fields=["assistant", "day"], name="daily_target_once_per_day")]

    def __str__(self):
        return f"{self.assistant} · {self.day}"
