"""Operations that change artists; every profile change leaves an ArtistVersion."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from artists.models import Artist, ArtistScore, ArtistStatusChange, ArtistVersion
from artists.schemas import ArtistProfile, profile_errors
from kernel.errors import ApplicationError


def profile_diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed top-level profile fields as {field: [old, new]}."""
    return {key: [old.get(key), new.get(key)] for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)}


def artist_unique_slug(name: str) -> str:
    base = slugify(name)[:120] or "artist"
    slug, n = base, 2
    while Artist.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _validated(profile: dict[str, Any]) -> dict[str, Any]:
    errors = profile_errors(profile)
    if errors:
        raise ApplicationError("The artist profile is invalid.", {"profile": errors})
    return ArtistProfile.model_validate(profile).model_dump(mode="json")


@transaction.atomic
def artist_create(
    *,
    name: str,
    profile: dict[str, Any],
    status: str = Artist.Status.CANDIDATE,
    autopilot: bool = False,
    llm_settings: dict[str, Any] | None = None,
    reason: str = "Created",
    actor: AbstractBaseUser | None = None,
    slug: str = "",
) -> Artist:
    name = name.strip()
    if not name:
        raise ApplicationError("An artist needs a name.")
    if Artist.objects.filter(name__iexact=name).exists():
        raise ApplicationError(f"An artist named {name!r} already exists.", {"name": name})
    clean = _validated(profile)
    artist = Artist.objects.create(
        name=name,
        slug=slug or artist_unique_slug(name),
        status=status,
        status_changed_at=timezone.now(),
        autopilot=autopilot,
        profile=clean,
        llm_settings=llm_settings or {},
    )
    ArtistVersion.objects.create(
        artist=artist,
        number=1,
        profile=clean,
        reason=reason,
        diff=profile_diff({}, clean),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    return artist


@transaction.atomic
def artist_update_profile(
    *, artist: Artist, profile: dict[str, Any], reason: str, actor: AbstractBaseUser | None = None
) -> ArtistVersion | None:
    """Store a new profile and its version; None when nothing changed."""
    clean = _validated(profile)
    locked = Artist.objects.select_for_update().get(pk=artist.pk)
    # A profile stored before a field existed is compared with its defaults filled in: no spurious diff.
    old = locked.profile if profile_errors(locked.profile) else ArtistProfile.model_validate(locked.profile)
    diff = profile_diff(old if isinstance(old, dict) else old.model_dump(mode="json"), clean)
    if not diff:
        return None
    last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
    locked.profile = clean
    locked.save(update_fields=["profile", "updated_at"])
    artist.profile = clean
    return ArtistVersion.objects.create(
        artist=locked,
        number=last + 1,
        profile=clean,
        reason=reason,
        diff=diff,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


@transaction.atomic
def artist_set_status(
    *,
    artist: Artist,
    to_status: str,
    reason: str,
    metrics: dict | None = None,
    actor: AbstractBaseUser | None = None,
) -> ArtistStatusChange | None:
    """Move an artist to another lifecycle status, recording why; None if it already is there."""
    from_status = artist.status
    if from_status == to_status:
        return None
    now = timezone.now()
    updated = Artist.objects.filter(pk=artist.pk, status=from_status).update(
        status=to_status, status_reason=reason[:300], status_changed_at=now, updated_at=now
    )
    if not updated:
        return None
    artist.status, artist.status_reason, artist.status_changed_at = to_status, reason[:300], now
    return ArtistStatusChange.objects.create(
        artist=artist,
        from_status=from_status,
        to_status=to_status,
        reason=reason[:300],
        metrics=metrics or {},
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def artist_record_score(
    *,
    artist: Artist,
    kind: str,
    value: float | None,
    explanation: str,
    figures: dict | None = None,
    alert: str = "",
    version: ArtistVersion | None = None,
    at: datetime | None = None,
) -> ArtistScore:
    """Keep one score in the artist's history (scores are never overwritten)."""
    if kind not in ArtistScore.Kind.values:
        raise ApplicationError(f"Unknown score kind {kind!r}.")
    return ArtistScore.objects.create(
        artist=artist,
        kind=kind,
        value=None if value is None else round(float(value), 4),
        explanation=explanation[:500],
        figures=figures or {},
        alert=alert,
        version=version,
        computed_at=at or timezone.now(),
    )
