"""Template tags of the review area: the approval-rates panel on the artist's admin page."""

from __future__ import annotations

from django import template

from artists.models import Artist
from generation.selectors.review import artist_approval_summary

register = template.Library()


@register.inclusion_tag("review/_approval_rates.html")
def artist_approval_rates(artist: Artist) -> dict:
    """Approval rates of one artist: overall, last 30 days, per A/B variant, per recent batch."""
    return {"artist": artist, "rates": artist_approval_summary(artist=artist)}
