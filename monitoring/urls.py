from django.urls import path

from monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("errors/", views.error_list, name="errors"),
    path("errors/<int:pk>/", views.error_detail, name="error-detail"),
    path("health/", views.health, name="health"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<int:pk>.<str:fmt>", views.report_download, name="report-download"),
]
