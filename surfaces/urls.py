from django.contrib.auth.views import LogoutView
from django.urls import path

from customers import dashboard_views as customer_pages
from customers import h5_commerce, merge_views, order_views, privacy_views, profile_views, radar_views

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
        path("installation-teams/", order_views.dashboard_installation_teams, name="installation_teams"),
        path("customers/", customer_pages.dashboard_customers, name="customers"),
        path("customers/<int:pk>/", customer_pages.dashboard_customer, name="customer"),
        # One person, one customer (CUS-12): candidates to confirm, merges, HQ's undo.
        path("customers/duplicates/", merge_views.dashboard_duplicates, name="customer_duplicates"),
        path("customers/duplicates/merge/", merge_views.dashboard_duplicate_merge, name="customer_duplicate_merge"),
        path("customers/duplicates/dismiss/", merge_views.dashboard_duplicate_dismiss,
             name="customer_duplicate_dismiss"),
        path("customers/merges/<int:pk>/undo/", merge_views.dashboard_merge_undo, name="customer_merge_undo"),
        path("radar/", radar_views.dashboard_radar, name="radar"),
    ],
    "dashboard",
)

workbench_patterns = (
    [
        path("", views.workbench_home, name="home"),
        path("login/", views.WorkbenchLoginView.as_view(), name="login"),
        path("customers/", views.workbench_customers, name="customers"),
        path("customers/<int:pk>/", views.workbench_customer, name="customer"),
        path("customers/<int:pk>/profile/", profile_views.customer_profile, name="customer_profile"),
        path("customers/<int:pk>/profile/grade/", profile_views.customer_grade_set, name="customer_grade"),
        path("customers/<int:pk>/profile/tags/", profile_views.customer_tag_toggle, name="customer_tags"),
        path("customers/<int:pk>/profile/verify-mobile/", profile_views.customer_mobile_verify,
             name="customer_mobile_verify"),
        path("customers/<int:pk>/profile/edit/<slug:section>/", profile_views.customer_profile_edit,
             name="customer_profile_edit"),
        path("customers/<int:pk>/profile/after-sales/", profile_views.customer_after_sales_add,
             name="customer_after_sales"),
        path("customers/<int:pk>/profile/after-sales/<int:record_pk>/resolve/",
             profile_views.customer_after_sales_resolve, name="customer_after_sales_resolve"),
        path("customers/<int:pk>/follow-ups/", profile_views.customer_follow_ups, name="customer_follow_ups"),
        path("customers/<int:pk>/follow-ups/clear/", profile_views.customer_follow_up_clear,
             name="customer_follow_up_clear"),
        path("customers/<int:pk>/orders/", order_views.workbench_customer_orders, name="customer_orders"),
        path("customers/<int:pk>/orders/new/", order_views.workbench_order_create, name="customer_order_create"),
        path("customers/<int:pk>/orders/<int:order_pk>/payments/", order_views.workbench_order_payment,
             name="customer_order_payment"),
        path("customers/<int:pk>/orders/<int:order_pk>/logistics/", order_views.workbench_order_logistics,
             name="customer_order_logistics"),
        path("customers/<int:pk>/orders/<int:order_pk>/cancel/", order_views.workbench_order_cancel,
             name="customer_order_cancel"),
        path("customers/<int:pk>/points/", order_views.workbench_customer_points, name="customer_points"),
        path("customers/<int:pk>/points/redeem/", order_views.workbench_points_redeem, name="customer_points_redeem"),
        path("customers/<int:pk>/points/redemptions/<int:redemption_pk>/reverse/",
             order_views.workbench_redemption_reverse, name="customer_redemption_reverse"),
        path("customers/<int:pk>/reveal-mobile/", privacy_views.customer_reveal_mobile, name="customer_reveal_mobile"),
        path("customers/<int:pk>/call/", privacy_views.customer_call, name="customer_call"),
        path("customers/<int:pk>/consents/", privacy_views.customer_consents, name="customer_consents"),
        path("radar/", radar_views.workbench_radar, name="radar"),
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
        path("family/join/", h5.h5_household_join, name="household_join"),
        path("me/privacy/", privacy_views.h5_privacy, name="privacy"),
        path("sign-in/", h5.h5_sign_in, name="sign_in"),
        path("favourite/", h5.h5_favourite, name="favourite"),
        path("share/", h5.h5_share, name="share"),
        path("me/orders/", h5_commerce.h5_my_orders, name="my_orders"),
        path("me/orders/<int:order_pk>/review/", h5_commerce.h5_review, name="review"),
        path("me/points/", h5_commerce.h5_my_points, name="my_points"),
    ],
    "h5",
)
