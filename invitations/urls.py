"""Pages of the invitation workflow: the manager's on the dashboard, the assistant's in the workbench."""

from django.urls import path  # noqa: F401  (used as pages are added)

from . import daily_views, metrics_views, segment_views, task_views


# /dashboard/invitations/...
dashboard_urlpatterns: list = [
    # segments (segment list per store, a segment's customers to pick from)
    path("", segment_views.segments, name="segments"),
    path("segments/<slug:key>/", segment_views.segment_detail, name="segment"),
    path("customers/", segment_views.filter_dispatch, name="filter"),  # a manual filter's customers
    # tasks (dispatch, task list, task detail with results, end, urge)
    path("dispatch/", task_views.dispatch, name="dispatch"),
    path("tasks/", task_views.task_list, name="tasks"),
    path("tasks/<int:pk>/", task_views.task_detail, name="task"),
    path("tasks/<int:pk>/end/", task_views.task_end, name="task_end"),
    path("tasks/<int:pk>/urge/", task_views.task_urge, name="task_urge"),
    # metrics by region, store, assistant and task, the entries behind a row, XLSX exports (INV-9)
    path("metrics/", metrics_views.metrics, name="metrics"),
    path("metrics/export/", metrics_views.metrics_export, name="metrics_export"),
    path("metrics/details/", metrics_views.details, name="metrics_details"),
    path("metrics/details/export/", metrics_views.details_export, name="metrics_details_export"),
    # seed 003's daily tables: morning targets, phone invitation log, successes, evening review, summary (INV-10)
    path("daily/", daily_views.daily_home, name="daily"),
    path("daily/targets/", daily_views.targets, name="daily_targets"),
    path("daily/log/", daily_views.log, name="daily_log"),
    path("daily/successes/", daily_views.successes, name="daily_successes"),
    path("daily/review/", daily_views.review, name="daily_review"),
    path("daily/review/remind/<int:pk>/", daily_views.remind, name="daily_remind"),
    path("daily/summary/", daily_views.summary, name="daily_summary"),
]

# /m/invitations/...
workbench_urlpatterns: list = [
    # the assistant's to-do and feedback
    path("", task_views.todo, name="todo"),
    path("entries/<int:pk>/feedback/", task_views.feedback, name="feedback"),
    path("today/", daily_views.my_day, name="my_day"),  # my log of the day against my targets (INV-10)
]
