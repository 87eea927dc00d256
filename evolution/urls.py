from django.urls import path

from evolution import views

app_name = "evolution"
urlpatterns = [
    path("", views.EvolutionIndexView.as_view(), name="index"),
    path("artists/<slug:slug>/", views.ArtistEvolutionView.as_view(), name="artist"),
    path("artists/<slug:slug>/propose/", views.PlanProposeView.as_view(), name="propose"),
    path("experiments/", views.ExperimentsView.as_view(), name="experiments"),
    path("plans/<int:pk>/", views.PlanDetailView.as_view(), name="plan"),
    path("plans/<int:pk>/<str:decision>/", views.PlanDecideView.as_view(), name="decide"),
]
