"""Dashboard routes of imports and exports (CUS-10), under ``/dashboard/data/``."""

from django.urls import path

from . import data_views

urlpatterns = [
    path("", data_views.data_home, name="dashboard_data"),
    path("jobs/<int:pk>/", data_views.data_job, name="dashboard_data_job"),
    path("jobs/<int:pk>/download/", data_views.data_job_download, name="dashboard_data_download"),
    path("export/", data_views.data_export, name="dashboard_data_export"),
    path("template/<str:kind>.<str:fmt>", data_views.data_template, name="dashboard_data_template"),
]
