"""Schedules the coupon jobs in django-celery-beat (head office sees and edits them in the admin):
expiry every night after midnight, and the "expires in 3 days" reminders every morning at ten,
Shanghai time (never a message at night)."""

from django.db import migrations

EXPIRE = "promotions.coupons_expire"
REMIND = "promotions.coupons_remind_expiring"


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")

    def at(hour, minute):
        return CrontabSchedule.objects.get_or_create(
            minute=str(minute), hour=str(hour), day_of_week="*", day_of_month="*", month_of_year="*",
            timezone="Asia/Shanghai")[0]

    PeriodicTask.objects.get_or_create(name="优惠券过期 (expire coupons)",
                                       defaults={"task": EXPIRE, "crontab": at(0, 10), "enabled": True})
    PeriodicTask.objects.get_or_create(name="优惠券到期提醒 (remind of expiring coupons)",
                                       defaults={"task": REMIND, "crontab": at(10, 0), "enabled": True})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[EXPIRE, REMIND]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("promotions", "0001_activities_coupons_redemptions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
