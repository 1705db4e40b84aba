"""The messaging outbox (WX-3): every message the product sends, with its state.

A message is written in the same transaction as the business change that causes it, under a
caller-chosen idempotency key (unique), and sent after commit by a Celery worker. The row is the
truth: workers claim it, send it once, and record what WeChat said. ``wechat/outbox.py`` holds
the state machine.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.scope import ScopedManager, ScopeRule


class Message(models.Model):
    class Kind(models.TextChoices):
        TEMPLATE = "template", _("Template message")
        SUBSCRIBE = "subscribe", _("Subscribe message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        UNCERTAIN = "uncertain", _("Outcome unknown (no answer from WeChat)")
        FAILED = "failed", _("Refused by WeChat (not retried)")
        DEAD = "dead", _("Gave up after retries")
        SKIPPED = "skipped", _("Not sent: customer opted out of marketing")

    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.TEMPLATE)
    purpose = models.CharField(_("purpose"), max_length=50, help_text=_("e.g. invitation_urge, coupon_expiry"))
    is_marketing = models.BooleanField(_("marketing"), default=False)
    openid = models.CharField(_("recipient openid"), max_length=64)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages",
        verbose_name=_("customer"),
    )
    staff = models.ForeignKey(
        "stores.Staff", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages",
        verbose_name=_("staff member"),
    )
    store = models.ForeignKey(
        "stores.Store", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    template_id = models.CharField(_("template"), max_length=100)
    data = models.JSONField(_("content"), default=dict)
    url = models.CharField(_("link"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error_code = models.IntegerField(_("last error code"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    wechat_msgid = models.BigIntegerField(_("WeChat msgid"), null=True, blank=True)
    delivery = models.CharField(_("delivery report"), max_length=50, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="staff")

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["openid", "-created_at"]),
            models.Index(fields=["wechat_msgid"]),
        ]

    def __str__(self):
        return f"{self.purpose} → {self.openid} ({self.get_status_display()})"


class DeliveryReport(models.Model):
    """A TEMPLATESENDJOBFINISH whose MsgID no message carried when it came in.

    Either its send is still being recorded (the report beat the worker's write) or the worker
    never learnt the msgid (it died, or the answer timed out). The recovery job matches it a
    little later: by msgid if the worker has written it by then, else to an ``uncertain``
    message to the same user, which it settles as sent. Matched reports are deleted.
    """

    msgid = models.BigIntegerField(unique=True)
    openid = models.CharField(max_length=64)
    status = models.CharField(max_length=50)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["received_at"])]

    def __str__(self):
        return f"{self.msgid} → {self.openid}: {self.status}"


class WeComContactWay(models.Model):
    """An assistant's WeCom "contact me" code (WX-4). Its ``state`` names the assistant's touchpoint
    code, so a customer who adds the assistant is attributed exactly like a scan of that code."""

    staff = models.OneToOneField("stores.Staff", on_delete=models.CASCADE, related_name="wecom_contact_way",
                                 verbose_name=_("staff member"))
    config_id = models.CharField(_("WeCom config id"), max_length=64, unique=True)
    qr_code_url = models.URLField(_("WeCom code image"), max_length=500)
    state = models.CharField(_("state"), max_length=30)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("WeCom contact code")
        verbose_name_plural = _("WeCom contact codes")

    def __str__(self):
        return f"{self.staff} · {self.config_id}"


class WeComContact(models.Model):
    """A customer is a WeCom friend of a member of staff (WX-4)."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="wecom_contacts",
                                 verbose_name=_("customer"))
    staff = models.ForeignKey("stores.Staff", on_delete=models.CASCADE, related_name="wecom_contacts",
                              verbose_name=_("staff member"))
    external_userid = models.CharField(_("WeCom external user id"), max_length=64, db_index=True)
    state = models.CharField(_("state"), max_length=30, blank=True)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="staff__store__region", store="staff__store", owner="staff")

    class Meta:
        verbose_name = _("WeCom friend")
        verbose_name_plural = _("WeCom friends")
        constraints = [models.UniqueConstraint(fields=["staff", "external_userid"], name="wecom_contact_once")]

    def __str__(self):
        return f"{self.customer} ↔ {self.staff}"
