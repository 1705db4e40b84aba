from django.contrib.auth.views import LogoutView
from django.urls import path

from . import h5, views

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
        path("customers/<int:pk>/profile/", views.workbench_customer_tab_pending, name="customer_profile"),
        path("customers/<int:pk>/follow-ups/", views.workbench_customer_tab_pending, name="customer_follow_ups"),
        path("customers/<int:pk>/orders/", views.workbench_customer_tab_pending, name="customer_orders"),
        path("customers/<int:pk>/points/", views.workbench_customer_tab_pending, name="customer_points"),
        path("my-code/", views.workbench_my_code, name="my_code"),
        path("me/", views.workbench_me, name="me"),
        path("me/wechat/", views.workbench_bind_wechat, name="bind_wechat"),
    ],
    "workbench",
)

h5_patterns = (
    [
        path("", h5.h5_home, name="home"),
        path("stores/<slug:code>/", h5.h5_store, name="store"),
        path("wifi/<str:token>/", h5.h5_wifi, name="wifi"),
        path("staff/<str:token>/", h5.h5_staff_card, name="staff_card"),
        path("products/<str:sku>/", h5.h5_product, name="product"),
        path("solutions/<str:pk>/", h5.h5_solution, name="solution"),
        path("cases/<str:pk>/", h5.h5_case, name="case"),
        path("me/", h5.h5_me, name="me"),
        path("sign-in/", h5.h5_sign_in, name="sign_in"),
        path("favourite/", h5.h5_favourite, name="favourite"),
        path("share/", h5.h5_share, name="share"),
    ],
    "h5",
)
