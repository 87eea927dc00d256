"""Browser review queue under /review/ and the Telegram webhook; included at the site root."""

from django.urls import path

from generation.views import review as views

app_name = "review"

urlpatterns = [
    path("review/", views.QueueView.as_view(), name="queue"),
    path("review/login/", views.ReviewLoginView.as_view(), name="login"),
    path("review/logout/", views.ReviewLogoutView.as_view(), name="logout"),
    path("review/bulk/", views.BulkDecideView.as_view(), name="bulk"),
    path("review/runs/<int:pk>/", views.RunDetailView.as_view(), name="detail"),
    path("review/runs/<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
    path("review/runs/<int:pk>/undo/", views.UndoView.as_view(), name="undo"),
    path("telegram/webhook/", views.TelegramWebhookView.as_view(), name="telegram-webhook"),
]
