"""What each pipeline stage does to a run. Each is idempotent: an existing artifact is kept.

The runner (`generation.services.pipeline`) records timing, attempts and failures; these
functions only do the work.
"""

from __future__ import annotations

import io
import random
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile

from artists.schemas import ArtistProfile, effective_genre_mix, effective_valence
from artists.selectors import artist_current_version
from generation.models import GenerationRun, RunStage, Track
from generation.services.analysis import track_analyse
from generation.services.experiments import experiments_assign
from generation.services.writing import write_track_text

Stage = RunStage.Name


@contextmanager
def _workdir(run: GenerationRun) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=f"noktvrn-run-{run.pk}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def local_copy(file: FieldFile, workdir: Path) -> Path:
    """A filesystem path for a stored file (a copy when storage is remote, e.g. S3)."""
    try:
        return Path(file.path)
    except NotImplementedError:
        target = workdir / Path(file.name).name
        with file.open("rb") as source, target.open("wb") as dest:
            shutil.copyfileobj(source, dest)
        return target


def adapt_parameters(run: GenerationRun) -> None:
    """Musical parameters from the artist's current profile version, deterministic per run seed.

    The run records the version it read, so every track can be traced to the profile (and the
    evolution plan) that shaped it.
    """
    version = artist_current_version(artist=run.artist)
    profile_data = version.profile if version is not None else run.artist.profile
    parameters = parameters_from_profile(profile_data, seed=run.seed)
    # A/B experiments (a bandit on approvals) may offset parameters or pick prompt template versions.
    experiments_assign(run=run, parameters=parameters)
    run.parameters = parameters
    run.artist_version = version
    run.save(update_fields=["parameters", "variant", "experiment_variant", "artist_version", "updated_at"])


def parameters_from_profile(profile_data: dict, *, seed: int) -> dict:
    """One track's parameters drawn from a profile: tempo in range, a key and mode, energy, valence, genre.

    The genre is drawn from the artist's genre mix: most tracks are the primary genre, some
    blend in a secondary one in proportion to its share.
    """
    profile = ArtistProfile.model_validate(profile_data)
    defaults = profile.musical_defaults
    rng = random.Random(seed)  # noqa: S311 - reproducible music, not secrets
    tempo = rng.randint(defaults.tempo_min, defaults.tempo_max)
    energy = min(1.0, max(0.0, defaults.energy + rng.uniform(-0.08, 0.08)))
    valence = min(1.0, max(0.0, effective_valence(defaults.model_dump()) + rng.uniform(-0.08, 0.08)))
    modes = defaults.preferred_modes
    both = set(modes) == {"major", "minor"}
    # With both modes allowed, brighter artists lean major.
    mode = ("major" if rng.random() < valence else "minor") if both else modes[0]
    mix = effective_genre_mix(profile.model_dump())
    genres, shares = list(mix), list(mix.values())
    drawn = rng.choices(genres, weights=shares)[0] if genres else profile.primary_genre
    parameters = {
        "genre": profile.primary_genre,
        "secondary_genres": profile.secondary_genres,
        "tempo": tempo,
        "key": rng.choice(defaults.preferred_keys),
        "mode": mode,
        "energy": round(energy, 3),
        "valence": round(valence, 3),
        "duration_seconds": settings.TRACK_SECONDS or defaults.track_seconds,
        "themes": profile.themes,
        "style_notes": profile.style_notes,
        "source": "profile",
    }
    if drawn.lower() != profile.primary_genre.lower():
        parameters["blend_genre"] = drawn
    return parameters


def write_prompts(run: GenerationRun) -> None:
    """Title, lyrics and the music prompt, written by the LLM roles lyricist and prompt_writer."""
    if run.prompts.get("music_prompt") and run.title:
        return
    text = write_track_text(artist=run.artist, parameters=run.parameters, run=run)
    run.title = text.title[:200]
    run.prompts = {
        "music_prompt": text.music_prompt,
        "style": ", ".join(text.style_tags),
        "lyrics": text.lyrics,
        "variant": run.variant,
    }
    run.save(update_fields=["title", "prompts", "updated_at"])


def generate_track(run: GenerationRun, *, inline: bool = False) -> None:
    """Make the audio along the music chain; a vendor job ends the stage waiting (StageWaiting)."""
    from generation.services.music import track_generate

    track_generate(run, inline=inline)


def analyse_audio(run: GenerationRun) -> None:
    track_analyse(track=Track.objects.get(run=run))


def select_video(run: GenerationRun, *, inline: bool = False) -> None:
    """A stock clip, a generated clip or the local visualizer, along VIDEO_PROVIDERS.

    A generating vendor (Luma) ends the stage waiting (StageWaiting), like the music chain.
    """
    from generation.services.video import video_generate

    video_generate(run, inline=inline)


def make_cover(run: GenerationRun) -> None:
    if run.cover:
        return
    from generation.providers.cover import render_cover, save_cover_jpeg

    visual = run.artist.identity.visual_identity
    image = render_cover(
        artist_name=run.artist.name,
        title=run.title or f"Run {run.pk}",
        palette=visual.palette,
        typography=visual.typography,
        seed=run.seed,
        genre=run.artist.identity.primary_genre,
    )
    buffer = io.BytesIO()
    save_cover_jpeg(image, buffer)
    run.cover.save(f"run-{run.pk}.jpg", ContentFile(buffer.getvalue()), save=False)
    GenerationRun.objects.filter(pk=run.pk).update(cover=run.cover.name)


def notify_reviewers(run: GenerationRun) -> None:
    from generation.services.review import run_notify_reviewers

    run_notify_reviewers(run=run)


STAGE_FUNCTIONS: dict[str, Callable[[GenerationRun], None]] = {
    Stage.ADAPT_PARAMETERS: adapt_parameters,
    Stage.WRITE_PROMPTS: write_prompts,
    Stage.GENERATE_TRACK: generate_track,
    Stage.ANALYSE_AUDIO: analyse_audio,
    Stage.SELECT_VIDEO: select_video,
    Stage.MAKE_COVER: make_cover,
    Stage.NOTIFY_REVIEWERS: notify_reviewers,
}
