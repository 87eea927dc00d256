from django.urls import path

from markets import views

app_name = "markets"
urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("countries/<str:country>/", views.CountryView.as_view(), name="country"),
    path("genres/<str:genre>/", views.GenreView.as_view(), name="genre"),
    path("alerts/", views.AlertsView.as_view(), name="alerts"),
]
