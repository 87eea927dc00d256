from django.urls import path

from generation.views import batches as batch_views

app_name = "batches"
urlpatterns = [
    path("", batch_views.BatchListView.as_view(), name="list"),
    path("start/", batch_views.BatchStartView.as_view(), name="start"),
    path("<int:pk>/", batch_views.BatchDetailView.as_view(), name="detail"),
    path("<int:pk>/progress.json", batch_views.BatchProgressView.as_view(), name="progress"),
]
