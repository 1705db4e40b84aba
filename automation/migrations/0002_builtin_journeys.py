"""The built-in "优惠券到期提醒" journey (coupons ending within 3 days, a template message linking to
"my coupons", at ten in the morning, all stores, active) REPLACES the old hard-coded daily job
``promotions.coupons_remind_expiring``, whose schedule (promotions/0002) is deleted here; and the
hourly beat job that runs journeys (``automation.journeys_run``, Shanghai time)."""

from django.db import migrations

OLD_REMIND = "promotions.coupons_remind_expiring"
RUN = "automation.journeys_run"
NAME = "营销旅程 (run marketing journeys)"


def forwards(apps, schema_editor):
    Journey = apps.get_model("automation", "Journey")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    Journey.objects.get_or_create(template="coupon_expiry", defaults={
        "name": "优惠券到期提醒", "trigger": "coupon_expiring", "trigger_days": 3, "action": "template_message",
        "link": "my_coupons", "send_hour": 10, "status": "active", "all_stores": True, "attribution_days": 7})
    PeriodicTask.objects.filter(task=OLD_REMIND).delete()
    hourly = CrontabSchedule.objects.get_or_create(minute="5", hour="*", day_of_week="*", day_of_month="*",
                                                   month_of_year="*", timezone="Asia/Shanghai")[0]
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": RUN, "crontab": hourly, "enabled": True})


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=RUN).delete()
    apps.get_model("automation", "Journey").objects.filter(template="coupon_expiry").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0001_journeys"),
        ("promotions", "0002_coupon_schedules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
