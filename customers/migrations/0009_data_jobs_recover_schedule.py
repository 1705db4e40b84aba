"""Schedules the recovery of import and export jobs (CUS-10) in django-celery-beat: every 10 minutes,
jobs whose worker died are failed and jobs the broker never took are queued again."""

from django.db import migrations

TASK = "customers.data_jobs_recover"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.get_or_create(
        name="恢复导入导出任务 (recover import/export jobs)",
        defaults={"task": TASK, "interval": every, "enabled": True},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0008_lists_follow_up_indexes"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
