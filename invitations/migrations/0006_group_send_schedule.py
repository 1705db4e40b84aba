"""The group send's dispatcher (INV-6) in django-celery-beat, where head office sees and edits it
(a settings entry would be written over head office's edits each time beat starts)."""

from django.db import migrations

TASK = "invitations.group_sends_dispatch_due"
NAME = "企业微信群发：发送与结果查询 (dispatch due WeCom group sends)"
# An earlier, never released build had beat copy this job from settings: drop its row if a
# development database kept it, its task no longer exists.
OLD_TASK = "invitations.group_sends_resume"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "interval": every, "enabled": True})
    PeriodicTask.objects.filter(task=OLD_TASK).delete()


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("invitations", "0005_group_sends"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
