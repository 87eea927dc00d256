"""Release pages under /releases/."""

from django.urls import path

from releases import views

app_name = "releases"

urlpatterns = [
    path("", views.ReleaseListView.as_view(), name="list"),
    path("<int:pk>/", views.ReleaseDetailView.as_view(), name="detail"),
    path("by-run/<int:run_id>/", views.ReleaseByRunView.as_view(), name="by-run"),
    path("<int:pk>/redeliver/", views.ReleaseRedeliverView.as_view(), name="redeliver"),
]
