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
        path("customers/<int:pk>/", views.workbench_customer, name="customer"),
        path("my-code/", views.workbench_my_code, name="my_code"),
        path("me/", views.workbench_me, name="me"),
    ],
    "workbench",
)

h5_patterns = (
    [
        path("", views.h5_home, name="home"),
        path("stores/<slug:code>/", views.h5_store, name="store"),
        path("wifi/<str:token>/", views.h5_wifi, name="wifi"),
        path("staff/<str:token>/", views.h5_staff_card, name="staff_card"),
        path("products/<str:sku>/", views.h5_product, name="product"),
    ],
    "h5",
)
