"""Track texts for the pipeline: title and lyrics (lyricist role), music prompt and tags (prompt_writer)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from artists.schemas import ArtistProfile
from llm.router import complete


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TrackLyrics(_Answer):
    """The lyricist's answer."""

    title: str = Field(min_length=1, max_length=120)
    lyrics: str = Field(default="", max_length=6000)


class MusicPrompt(_Answer):
    """The prompt writer's answer: what the music model is asked for."""

    music_prompt: str = Field(min_length=10, max_length=1000)
    style_tags: list[str] = Field(min_length=1, max_length=8)


class TrackText(_Answer):
    """Everything the music provider needs in words for one track."""

    title: str = Field(min_length=1, max_length=120)
    lyrics: str = Field(default="", max_length=6000)
    music_prompt: str = Field(min_length=10, max_length=1000)
    style_tags: list[str] = Field(min_length=1, max_length=8)
    instrumental: bool = False


def _brief(artist, parameters: dict[str, Any], run) -> tuple[str, bool]:
    # The run's own profile version when it has one: the words match the parameters it was given.
    version = getattr(run, "artist_version", None) if run is not None else None
    profile = ArtistProfile.model_validate(version.profile) if version is not None else artist.identity
    voice = profile.voice
    instrumental = bool(parameters.get("instrumental")) or voice.lower().startswith("instrumental")
    lines = [
        f"Artist: {artist.name}",
        f"Genre: {parameters.get('genre') or profile.primary_genre}",
        f"Persona: {profile.persona}",
        f"Voice: {voice}",
        f"Themes: {', '.join(profile.themes)}",
        f"Language: {profile.language}",
        f"Instrumental: {'yes' if instrumental else 'no'}",
    ]
    if parameters.get("blend_genre"):
        lines.append(f"Blend in: {parameters['blend_genre']}")
    notes = parameters.get("style_notes") or profile.style_notes
    if notes:
        lines.append(f"Style notes: {'; '.join(notes)}")
    for key in ("tempo", "key", "mode", "energy", "valence", "duration_seconds"):
        if parameters.get(key) not in (None, ""):
            lines.append(f"{key.replace('_', ' ').capitalize()}: {parameters[key]}")
    if parameters.get("title"):
        lines.append(f"Working title: {parameters['title']}")
    seed = parameters.get("seed", getattr(run, "seed", None))
    if seed is not None:
        # Different runs of one artist should not get the same song.
        lines.append(f"Variation: {seed}")
    return "\n".join(lines), instrumental


def write_track_text(*, artist, parameters: dict[str, Any], run=None) -> TrackText:
    """Title, lyrics, music prompt and style tags for one track, honouring the artist's LLM settings."""
    brief, instrumental = _brief(artist, parameters, run)
    versions = parameters.get("prompt_template_versions") or {}  # an A/B experiment's template versions
    overrides = artist.llm_overrides
    chains = overrides.chains
    temperature = overrides.temperature if "temperature" in (artist.llm_settings or {}) else None
    lyrics = complete(
        role="lyricist",
        messages=[{"role": "user", "content": brief}],
        schema=TrackLyrics,
        template="track_lyricist",
        template_version=versions.get("track_lyricist"),
        temperature=temperature,
        subject=run,
        chain=chains.get("lyricist"),
    ).parsed
    prompt = complete(
        role="prompt_writer",
        messages=[{"role": "user", "content": f"{brief}\nTitle: {lyrics.title}"}],
        schema=MusicPrompt,
        template="track_prompt_writer",
        template_version=versions.get("track_prompt_writer"),
        temperature=temperature,
        subject=run,
        chain=chains.get("prompt_writer"),
    ).parsed
    return TrackText(
        title=lyrics.title,
        lyrics="" if instrumental else lyrics.lyrics,
        music_prompt=prompt.music_prompt,
        style_tags=prompt.style_tags,
        instrumental=instrumental,
    )
