from django.urls import path

from . import fake_phone, views

app_name = "wechat"
urlpatterns = [
    path("oauth/", views.oauth_callback, name="oauth_callback"),
    path("callback/", views.official_account_callback, name="callback"),
    path("jssdk/", views.jssdk, name="jssdk"),
    path("wecom/callback/", views.wecom_callback, name="wecom_callback"),
    path("fake-phone/", fake_phone.phone, name="fake_phone"),
    path("fake-phone/as/", fake_phone.switch_user, name="fake_phone_switch"),
    path("fake-phone/inbox/", fake_phone.inbox, name="fake_phone_inbox"),
]
