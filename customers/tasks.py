"""Celery tasks of the customers app. Tasks take ids, re-fetch, call one service and are harmless
when rerun (house style point 6)."""
