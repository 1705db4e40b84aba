"""Pages of automation (included by ``config/urls.py``)."""

from django.urls import path

from . import views

# /h5/j/... (customer, from a journey's message)
h5_urlpatterns = [
    path("j/<str:token>/", views.h5_open, name="open"),
]

# /dashboard/journeys/...
dashboard_urlpatterns = [
    path("", views.dashboard_journeys, name="journeys"),
    path("<int:pk>/", views.dashboard_journey, name="journey"),
]
