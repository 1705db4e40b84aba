from django.contrib.auth.views import LogoutView
from django.urls import path

from . import views

auth_patterns = (
    [
        path("", views.home, name="home"),
        path("login/", views.LoginView.as_view(), name="login"),
        path("logout/", LogoutView.as_view(), name="logout"),
        path("no-access/", views.no_access, name="no_access"),
    ],
    "surfaces",
)

dashboard_patterns = (
    [
        path("", views.dashboard_home, name="home"),
        path("stores/", views.dashboard_stores, name="stores"),
        path("staff/", views.dashboard_staff, name="staff"),
    ],
    "dashboard",
)

workbench_patterns = (
    [
        path("", views.workbench_home, name="home"),
        path("login/", views.WorkbenchLoginView.as_view(), name="login"),
        path("customers/", views.workbench_customers, name="customers"),
        path("me/", views.workbench_me, name="me"),
    ],
    "workbench",
)

h5_patterns = (
    [
        path("", views.h5_home, name="home"),
        path("stores/<slug:code>/", views.h5_store, name="store"),
    ],
    "h5",
)
