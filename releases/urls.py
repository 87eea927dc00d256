"""Release pages under /releases/."""

from django.urls import path

from releases import views

app_name = "releases"

urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="list"),
    path("<int:pk>/", views.ReleaseDetailView.as_view(), name="detail"),
    path("<int:pk>/redeliver/", views.ReleaseRedeliverView.as_view(), name="redeliver"),
]
