"""Head office's admin for journeys: make one from a strategy template (the changelist's "From
template" links, or ``add/?template=<key>``), adjust and switch it on; "run now" hands the chosen
journeys to the worker (quiet hours still apply). Runs and deliveries are read only."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from stores.admin_base import ReadOnlyScopedAdmin, ScopedModelAdmin

from .errors import AutomationError
from .models import Journey, JourneyDelivery, JourneyRun
from .services import journey_from_template
from .strategies import BY_KEY, STRATEGIES

PREFILLED = ("name", "trigger", "trigger_days", "action", "title", "body", "link", "send_hour")


@admin.register(Journey)
class JourneyAdmin(ScopedModelAdmin):
    list_display = ["name", "trigger", "trigger_days", "action", "send_hour", "status", "all_stores", "created_at"]
    list_filter = ["status", "trigger", "action"]
    search_fields = ["name"]
    filter_horizontal = ["stores"]
    readonly_fields = ["template", "created_by", "created_at"]
    actions = ["run_now"]
    fieldsets = [
        (None, {"fields": ["name", "status", "template"]}),
        (_("Trigger"), {"fields": ["trigger", "trigger_days", "product"]}),
        (_("Audience"), {"fields": ["all_stores", "stores", "conditions"]}),
        (_("Action"), {"fields": ["action", "title", "body", "link", "coupon_definition"]}),
        (_("Timing"), {"fields": ["send_hour", "starts_on", "ends_on", "attribution_days"]}),
        (None, {"fields": ["created_by", "created_at"]}),
    ]

    def changelist_view(self, request, extra_context=None):
        add = reverse("admin:automation_journey_add")
        extra_context = {**(extra_context or {}),
                         "strategy_templates": [{"strategy": s, "url": f"{add}?template={s.key}"} for s in STRATEGIES]}
        return super().changelist_view(request, extra_context)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        key = request.GET.get("template")
        if key:
            try:
                draft = journey_from_template(key=key, actor=request.user)
            except AutomationError as exc:
                messages.error(request, str(exc))
                return initial
            initial.update({field: getattr(draft, field) for field in PREFILLED})
            initial["status"] = Journey.Status.DRAFT
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            key = request.GET.get("template", "")
            obj.template = key if key in BY_KEY else ""
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Run now (within 9:00-20:59)"))
    def run_now(self, request, queryset):
        from django.utils import timezone

        from .services import in_quiet_hours
        from .tasks import journey_run

        if in_quiet_hours(timezone.now()):
            self.message_user(request, gettext("Quiet hours: journeys run from 9:00 to 20:59 store time. Nothing "
                                               "was sent."), messages.WARNING)
            return
        for journey in queryset:
            journey_run.delay(journey.pk)
        self.message_user(request, gettext("%(n)d journeys handed to the worker.") % {"n": queryset.count()},
                          messages.SUCCESS)


@admin.register(JourneyRun)
class JourneyRunAdmin(ReadOnlyScopedAdmin):
    list_display = ["journey", "day", "matched", "acted", "capped", "skipped", "started_at", "finished_at"]
    list_filter = ["day"]
    list_select_related = ["journey"]


@admin.register(JourneyDelivery)
class JourneyDeliveryAdmin(ReadOnlyScopedAdmin):
    list_display = ["journey", "customer", "store", "occasion", "status", "created_at", "acted_at", "opened_at"]
    list_filter = ["status", "journey"]
    list_select_related = ["journey", "customer", "store"]
    search_fields = ["occasion"]
    raw_id_fields = ["customer", "message", "coupon"]
