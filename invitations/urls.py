"""Pages of the invitation workflow: the manager's on the dashboard, the assistant's in the workbench."""

from django.urls import path  # noqa: F401  (used as pages are added)

from . import segment_views, task_views


# /dashboard/invitations/...
dashboard_urlpatterns: list = [
    # segments (segment list per store, a segment's customers to pick from)
    path("", segment_views.segments, name="segments"),
    path("segments/<slug:key>/", segment_views.segment_detail, name="segment"),
    # tasks (dispatch, task list, task detail with results, end, urge)
    path("dispatch/", task_views.dispatch, name="dispatch"),
    path("tasks/", task_views.task_list, name="tasks"),
    path("tasks/<int:pk>/", task_views.task_detail, name="task"),
    path("tasks/<int:pk>/end/", task_views.task_end, name="task_end"),
    path("tasks/<int:pk>/urge/", task_views.task_urge, name="task_urge"),
]

# /m/invitations/...
workbench_urlpatterns: list = [
    # the assistant's to-do and feedback
    path("", task_views.todo, name="todo"),
    path("entries/<int:pk>/feedback/", task_views.feedback, name="feedback"),
]
