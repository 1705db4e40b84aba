"""The six recommended segments every store gets (INV-1), offered to all stores, and the nightly
custom-segment run (INV-2) in django-celery-beat, where head office sees and edits it."""

import datetime

from django.db import migrations

TASK = "invitations.segments_compute"

# key, name (stored data, in the brand's language), description; see invitations.segments.
SEGMENTS = [
    ("birthday_this_month", "本月生日", "生日在本月的客户"),
    ("high_spenders_this_month", "本月高客单", "本月已付订单的平均金额不低于门槛(默认 5000 元)"),
    ("stored_value", "有储值", "储值余额大于 0"),
    ("points", "有积分", "积分余额大于 0"),
    ("coupon_expiring", "优惠券 7 天内到期", "有 7 天内到期的未使用优惠券(优惠券上线后生效)"),
    ("dormant", "90 天未消费", "买过,但近 90 天没有下单"),
]


def create(apps, schema_editor):
    Segment = apps.get_model("invitations", "Segment")
    SegmentAssignment = apps.get_model("invitations", "SegmentAssignment")
    for position, (key, name, description) in enumerate(SEGMENTS, start=1):
        segment, _ = Segment.objects.get_or_create(
            key=key, defaults={"name": name, "description": description, "kind": "recommended",
                               "is_default": True, "position": position})
        SegmentAssignment.objects.get_or_create(segment=segment, store=None,
                                                defaults={"visible_from": datetime.date(2000, 1, 1)})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="1", day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
    )
    PeriodicTask.objects.get_or_create(
        name="计算自定义邀约人群 (compute custom invitation segments)",
        defaults={"task": TASK, "crontab": nightly, "enabled": True},
    )


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(task=TASK).delete()
    apps.get_model("invitations", "Segment").objects.filter(key__in=[s[0] for s in SEGMENTS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("invitations", "0001_segments_tasks_entries"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
