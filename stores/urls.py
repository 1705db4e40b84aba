from django.urls import path

from . import views

app_name = "qrcodes"
urlpatterns = [
    path("<int:pk>.png", views.qr_png, name="png"),
    path("<int:pk>.svg", views.qr_svg, name="svg"),
    path("<int:pk>/poster/", views.qr_poster, name="poster"),
]
