"""The Celery app. Tasks live in each app's ``tasks.py``; schedules in django-celery-beat."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("storelink")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
