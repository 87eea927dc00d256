"""Artist pages: /artists/ and /artists/<slug>/."""

from django.urls import path

from noktvrn.console import artists

app_name = "artist_pages"
urlpatterns = [
    path("", artists.ArtistGridView.as_view(), name="grid"),
    path("<slug:slug>/", artists.ArtistDetailView.as_view(), name="detail"),
]
