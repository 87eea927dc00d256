"""Read queries over artists."""

from django.db.models import QuerySet

from artists.models import Artist


def artist_list() -> QuerySet[Artist]:
    return Artist.objects.all()
