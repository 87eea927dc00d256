"""Vendor callbacks under /hooks/ (each verified by its own secret)."""

from django.urls import path

from generation.views import hooks as views

app_name = "hooks"

urlpatterns = [
    path("suno/<str:secret>/", views.SunoCallbackView.as_view(), name="suno"),
    path("luma/<str:secret>/", views.LumaCallbackView.as_view(), name="luma"),
]
