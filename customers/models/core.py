"""Customers (stage 1 of the profile, CUS-1), scans, attribution history, shares, views, favourites and tags."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stores.models import Staff, Store, mobile_validator, new_qr_token
from stores.scope import ScopedManager, ScopedQuerySet, ScopeRule


class CustomerQuerySet(ScopedQuerySet):
    def visible_to(self, user) -> models.QuerySet:
        """The customers ``user`` sees (ORG-3), never a row merged into another (CUS-12)."""
        return super().visible_to(user).filter(merged_into__isnull=True)


CustomerManager = models.Manager.from_queryset(CustomerQuerySet)


class Customer(models.Model):
    class Gender(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")

    class IntentGrade(models.TextChoices):
        # Seed 003's grades.
        A = "A", _("A: strong intent, has visited")
        B = "B", _("B: some intent, hesitating")
        C = "C", _("C: unreachable")
        D = "D", _("D: no intent")

    class DecorationStatus(models.TextChoices):
        # Where the customer's home is (seed 001: 交房时间、今朝情况): decides when to invite.
        UNKNOWN = "", _("Unknown")
        NOT_HANDED_OVER = "not_handed_over", _("House not handed over yet")
        PLANNING = "planning", _("Planning the decoration")
        RENOVATING = "renovating", _("Decorating")
        FINISHED = "finished", _("Decoration finished")
        LIVING_IN = "living_in", _("Living in, replacing or upgrading")

    class Source(models.TextChoices):
        STORE_VISIT = "store_visit", _("Store visit")
        QR_SCAN = "qr_scan", _("QR code scan")
        WECHAT = "wechat", _("WeChat official account")
        REFERRAL = "referral", _("Referral")
        IMPORT = "import", _("Import")

    name = models.CharField(_("name"), max_length=50, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # When the customer gives an age but not a birthday (CUS-1 "birthday/age").
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True, validators=[mobile_validator])
    community = models.CharField(_("residential community"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    house_handover_on = models.DateField(_("house handover date"), null=True, blank=True)
    decoration_status = models.CharField(
        _("decoration status"), max_length=20, choices=DecorationStatus.choices, blank=True
    )
    source = models.CharField(_("source channel"), max_length=20, choices=Source.choices, default=Source.STORE_VISIT)
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="customers", verbose_name=_("store")
    )
    owner_assistant = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("owner assistant"),
    )
    openid = models.CharField(_("WeChat openid"), max_length=64, null=True, blank=True, unique=True)
    unionid = models.CharField(_("WeChat unionid"), max_length=64, null=True, blank=True, unique=True)
    wechat_subscribed = models.BooleanField(_("follows the official account"), default=False)
    # PIPL art. 24: whoever opted out of marketing never receives it (the outbox checks this).
    marketing_opt_out = models.BooleanField(_("opted out of marketing"), default=False)
    is_wecom_friend = models.BooleanField(_("WeCom friend"), default=False)
    intent_grade = models.CharField(_("intent grade"), max_length=1, choices=IntentGrade.choices, blank=True)
    member_level = models.PositiveSmallIntegerField(_("member level"), default=0)
    # The date of the next follow-up the owner assistant planned (CUS-5), copied from the latest
    # follow-up record so the workbench's "due today" list is one indexed read.
    next_follow_up_on = models.DateField(_("next follow-up"), null=True, blank=True)
    # The last time anyone reached the customer for the brand: an invitation call or chat, a group
    # send, a marketing message (``customers.contacts``). The contact-frequency cap (INV-11) reads it.
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    # PIPL erasure (CUS-11): personal fields are blanked, the row stays so figures stay correct.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    # Attribution (QR-4): when the current binding to store/assistant began, and through which code.
    bound_at = models.DateTimeField(_("bound at"), null=True, blank=True)
    bound_via = models.ForeignKey(
        "stores.QRCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("bound via code"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    # Set when this row was merged into another customer of the same person (CUS-12,
    # customers.merges): a tombstone no list shows, kept so head office can undo the merge.
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_customers", verbose_name=_("merged into"))

    objects = CustomerManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="owner_assistant")

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "owner_assistant"]),
            models.Index(fields=["owner_assistant", "-created_at"]),
            models.Index(fields=["mobile"]),
            # Keyset pages sorted by next follow-up (customers.lists): the id breaks ties inside the
            # index, so a page reads ~20 index entries instead of sorting a whole date's customers.
            # Measured at 1,000,000 customers: an assistant's filtered page 11 ms -> 0.3 ms; a
            # manager's 450 ms -> 4 ms; head office's 1.2 s -> 0.2 ms.
            models.Index(fields=["owner_assistant", "next_follow_up_on", "id"]),
            models.Index(fields=["store", "next_follow_up_on", "id"]),
            models.Index(fields=["next_follow_up_on", "id"]),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name, else something the assistant can tell apart: masked mobile, WeChat user ····."""
        if self.name:
            return self.name
        if self.masked_mobile:
            return self.masked_mobile
        if self.openid:
            return _("WeChat user %(tail)s") % {"tail": self.openid[-4:]}
        return f"#{self.pk}"

    @property
    def masked_mobile(self) -> str:
        return f"{self.mobile[:3]}****{self.mobile[-4:]}" if len(self.mobile) == 11 else ""


# Rows about one customer are seen by whoever sees that customer.
OF_CUSTOMER = ScopeRule(region="customer__store__region", store="customer__store", owner="customer__owner_assistant")


class ScanEvent(models.Model):
    """One scan of a code (QR-3): written once, never updated. KPIs roll these up elsewhere."""

    class Channel(models.TextChoices):
        OAUTH = "oauth", _("H5 page in WeChat")
        SUBSCRIBE = "subscribe", _("Followed the official account")
        SCAN = "scan", _("Scanned while following")
        WECOM = "wecom", _("WeCom contact code")
        BROWSER = "browser", _("Browser outside WeChat")

    qr_code = models.ForeignKey(
        "stores.QRCode", on_delete=models.PROTECT, related_name="scans", verbose_name=_("QR code")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="scans", verbose_name=_("customer")
    )
    target_type = models.CharField(_("target type"), max_length=20)
    target_id = models.PositiveBigIntegerField(_("target id"))
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assistant")
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    bound = models.BooleanField(_("bound the customer"), default=False)
    scanned_at = models.DateTimeField(_("scanned at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="store__region", store="store", owner="customer__owner_assistant")

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["customer", "-scanned_at"]),
            models.Index(fields=["qr_code", "scanned_at"]),
            models.Index(fields=["store", "scanned_at"]),
        ]

    def __str__(self):
        return f"{self.qr_code_id} @ {self.scanned_at:%Y-%m-%d %H:%M}"


class OwnerChange(models.Model):
    """Every change of a customer's store or owner assistant, with its reason (QR-4)."""

    class Reason(models.TextChoices):
        FIRST_SCAN = "first_scan", _("First scan")
        PROTECTION_EXPIRED = "protection_expired", _("Scanned elsewhere after the protection period")
        REASSIGNED = "reassigned", _("Reassigned by head office")
        HANDOVER = "handover", _("Handed over when an assistant left")
        ASSIGNED = "assigned", _("Assigned by the store manager")
        # A new customer who opened a page another customer shared (QR-6): bound to the sharer's
        # store and assistant. ``qr_code`` stays empty; ``note`` holds the sharer's name.
        SHARED_BY_CUSTOMER = "shared_by_customer", _("Opened a page shared by a customer")
        # Two rows of one person became one (CUS-12); the attribution rules chose the owner.
        MERGED = "merged", _("Merged with another record of the same person")
        MERGE_UNDONE = "merge_undone", _("Merge undone by head office")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="owner_changes")
    from_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    from_assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_assistant = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    qr_code = models.ForeignKey("stores.QRCode", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("owner change")
        verbose_name_plural = _("owner changes")
        ordering = ["-changed_at", "-id"]


# --- What customers look at, share and keep (QR-6, QR-7, CUS-6) ---------------------------------


class PageType(models.TextChoices):
    """The H5 pages a customer can view, share with family and favourite. Rows below point to
    their page by type and id, as scans do, so a withdrawn product leaves its history intact."""

    STORE = "store", _("Store")
    PRODUCT = "product", _("Product")
    SOLUTION = "solution", _("Solution")
    CASE = "case", _("Case")


class Share(models.Model):
    """A share link ``/s/<token>`` (家人商量, QR-6): one per sharer and page, reused every time they
    share it again; visitors we cannot identify reuse a link without a sharer.
    Shares are counted as links, opens as ``ShareOpen`` rows."""

    token = models.CharField(_("token"), max_length=32, unique=True, default=new_qr_token, editable=False)
    sharer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="shares", verbose_name=_("shared by")
    )
    page_type = models.CharField(_("page type"), max_length=20, choices=PageType.choices)
    page_id = models.PositiveBigIntegerField(_("page id"))
    created_at = models.DateTimeField(_("shared at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = ScopeRule(region="sharer__store__region", store="sharer__store", owner="sharer__owner_assistant")

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        ordering = ["-created_at", "-id"]
        # Anonymous links are reused by lookup, not by a constraint: erasing a customer turns their
        # links anonymous (SET_NULL), which a unique "one anonymous link per page" would refuse.
        constraints = [
            models.UniqueConstraint(fields=["sharer", "page_type", "page_id"], name="share_one_link_per_sharer_page"),
        ]
        indexes = [models.Index(fields=["page_type", "page_id"])]

    def __str__(self):
        return self.token


class ShareOpen(models.Model):
    """Someone opened a share link: "shared by X, opened by Y". The opener is empty for a visitor
    we could not identify (a browser outside WeChat). The sharer's own opens are not recorded."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="opens", verbose_name=_("share"))
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="share_opens",
        verbose_name=_("opened by"),
    )
    is_new_customer = models.BooleanField(_("new customer"), default=False)
    bound = models.BooleanField(_("bound the customer"), default=False)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    objects = ScopedManager()
    # Visible from both sides: to whoever serves the opener and to whoever serves the sharer.
    scope_rule = ScopeRule(
        region=("customer__store__region", "share__sharer__store__region"),
        store=("customer__store", "share__sharer__store"),
        owner=("customer__owner_assistant", "share__sharer__owner_assistant"),
    )

    class Meta:
        verbose_name = _("share open")
        verbose_name_plural = _("share opens")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["share", "-opened_at"]), models.Index(fields=["customer", "-opened_at"])]

    def __str__(self):
        return f"{self.share_id} @ {self.opened_at:%Y-%m-%d %H:%M}"


class PageView(models.Model):
    """An identified customer looked at a page (CUS-6 trail, QR-7 "recently viewed"). Reloads
    within the visit window (``customers.pages.VISIT_WINDOW``) are one view."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="page_views", verbose_name=_("customer")
    )
    page_type = models.CharField(_("page type"), max_length=20, choices=PageType.choices)
    page_id = models.PositiveBigIntegerField(_("page id"))
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("page view")
        verbose_name_plural = _("page views")
        ordering = ["-viewed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-viewed_at"]),
            models.Index(fields=["page_type", "page_id", "viewed_at"]),
        ]

    def __str__(self):
        return f"{self.page_type}:{self.page_id} @ {self.viewed_at:%Y-%m-%d %H:%M}"


class Favourite(models.Model):
    """A page the customer keeps (收藏, "take the store home in your pocket", QR-7)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="favourites", verbose_name=_("customer")
    )
    page_type = models.CharField(_("page type"), max_length=20, choices=PageType.choices)
    page_id = models.PositiveBigIntegerField(_("page id"))
    created_at = models.DateTimeField(_("favourited at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("favourite")
        verbose_name_plural = _("favourites")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "page_type", "page_id"], name="favourite_once_per_page")
        ]
        indexes = [models.Index(fields=["page_type", "page_id"])]

    def __str__(self):
        return f"{self.customer_id} ♥ {self.page_type}:{self.page_id}"


class Tag(models.Model):
    """A label on customers (CUS-4): set by hand, by rules, or by the code they scanned (QR-4)."""

    name = models.CharField(_("name"), max_length=30, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class CustomerTag(models.Model):
    class Source(models.TextChoices):
        MANUAL = "manual", _("Set by staff")
        CODE = "code", _("Scanned a tagged code")
        RULE = "rule", _("Rule")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tag_links",
                                 verbose_name=_("customer"))
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="customer_links", verbose_name=_("tag"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.MANUAL)
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    objects = ScopedManager()
    scope_rule = OF_CUSTOMER

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="tag_once_per_customer")]

    def __str__(self):
        return f"{self.customer} · {self.tag}"


class CodeTag(models.Model):
    """Tags given to everyone who scans a code, e.g. "kitchen showroom", "community X" (QR-4)."""

    qr_code = models.ForeignKey("stores.QRCode", on_delete=models.CASCADE, related_name="auto_tags",
                                verbose_name=_("QR code"))
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+", verbose_name=_("tag"))

    class Meta:
        verbose_name = _("tag given by a code")
        verbose_name_plural = _("tags given by the code")
        constraints = [models.UniqueConstraint(fields=["qr_code", "tag"], name="code_tag_once")]

    def __str__(self):
        return str(self.tag)
