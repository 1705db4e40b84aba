"""The outbox's scheduled jobs, visible and editable by head office in django-celery-beat."""

from django.db import migrations

JOBS = [
    ("发送到期消息 (dispatch due messages)", "wechat.messages_dispatch_due", 1),
    ("恢复中断的消息发送 (recover interrupted sends)", "wechat.messages_recover", 5),
]


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in JOBS:
        every, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": every, "enabled": True})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task__in=[t for _, t, _ in JOBS]).delete()


class Migration(migrations.Migration):
    dependencies = [("wechat", "0001_outbox"), ("django_celery_beat", "0019_alter_periodictasks_options")]
    operations = [migrations.RunPython(schedule, unschedule)]
