"""Create an artist from a one-line brief: author drafts, helper enriches, validator checks.

Every step, prompt, LLM call, validation result and warning lands in a CreationReport. The
report exists from the first step (so LLM calls can point at it as they happen); the Artist,
its first ArtistVersion and the report's final state are saved in one transaction at the
end, so a failure leaves a failed report and no artist.
"""

from __future__ import annotations

import json
import logging
import re
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field

from artists.models import Artist, CreationReport
from artists.schemas import (
    ActType,
    ArtistProfile,
    MusicalDefaults,
    Origin,
    TargetAudience,
    VisualIdentity,
    profile_errors,
)
from artists.services import artist_create
from kernel.errors import ApplicationError, ConflictError
from kernel.music import find_places, genre_named
from kernel.outbox import outbox_enqueue, outbox_handed_over
from llm.router import complete, role_chain, role_policy
from llm.types import Completion, LLMUnavailableError

BRIEF_MAX_CHARS = 1000
CREATION_TASK = "artists.tasks.create_artist_from_brief"
CREATION_ROLES = ("author", "helper", "validator")
NAME_ATTEMPTS = 3
# How far (BPM) a tempo range may stray outside the genre's usual range before it is corrected.
TEMPO_TOLERANCE = 10
COUNTRY = re.compile(r"^[A-Z]{2}$")
logger = logging.getLogger(__name__)


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ArtistDraft(_Answer):
    """The author's draft: who the artist is."""

    name: str = Field(min_length=2, max_length=80)
    persona: str = Field(min_length=10, max_length=2000)
    backstory: str = Field(min_length=10, max_length=5000)
    primary_genre: str = Field(min_length=2, max_length=60)
    secondary_genres: list[str] = Field(default_factory=list, max_length=6)
    themes: list[str] = Field(min_length=1, max_length=12)
    voice: str = Field(min_length=3, max_length=500)
    target_audience: TargetAudience
    origin: Origin = Field(default_factory=Origin, description="Where the artist comes from: ISO country code and city")
    language: str = Field(default="en", pattern=r"^[a-z]{2}$", description="ISO 639-1 language the artist sings in")
    act_type: ActType = Field(default="solo", description="solo, duo, band or producer")


class ArtistEnrichment(_Answer):
    """The helper's additions: influences, look, and where the music starts."""

    influences: list[str] = Field(min_length=1, max_length=12)
    visual_identity: VisualIdentity
    musical_defaults: MusicalDefaults


class ProfileReview(_Answer):
    """The validator's verdict on the assembled profile."""

    consistent: bool
    issues: list[str] = Field(default_factory=list, max_length=20)
    summary: str = Field(min_length=3, max_length=1000)


class NameProposal(_Answer):
    name: str = Field(min_length=2, max_length=80)


def genre_tempo_range(genre: str) -> tuple[int, int] | None:
    """The usual BPM range of a genre the shared vocabulary knows (by name or alias, in any listed language)."""
    known = genre_named(genre)
    return known.tempo if known else None


def check_llm_configuration() -> None:
    """Refuse up front (nothing saved) when a creation role's chain or policy is misconfigured."""
    for role in CREATION_ROLES:
        try:
            role_chain(role)
            role_policy(role)
        except ImproperlyConfigured as exc:
            raise LLMUnavailableError(f"LLM configuration error: {exc}", {"role": role}) from exc


def clean_brief(brief: str) -> str:
    brief = " ".join((brief or "").split())
    if not brief:
        raise ApplicationError("The brief is empty; describe the artist in a sentence.", {"brief": "empty"})
    if len(brief) > BRIEF_MAX_CHARS:
        raise ApplicationError(
            f"The brief is {len(brief)} characters long; the limit is {BRIEF_MAX_CHARS}.",
            {"brief": f"too long ({len(brief)} > {BRIEF_MAX_CHARS} characters)"},
        )
    return brief


def clean_countries(countries: list[str] | None) -> list[str]:
    codes = [code.strip().upper() for code in countries or [] if code and code.strip()]
    bad = [code for code in codes if not COUNTRY.match(code)]
    if bad:
        raise ApplicationError(
            f"Not ISO 3166-1 alpha-2 country codes: {', '.join(bad)}.", {"countries": f"invalid: {', '.join(bad)}"}
        )
    return list(dict.fromkeys(codes))[:30]


class _Recorder:
    """Collects the report's steps while the creation runs."""

    def __init__(self, report: CreationReport) -> None:
        self.report = report
        self.steps: list[dict[str, Any]] = []
        self.warnings: list[str] = []

    def ask(self, step: str, *, role: str, template: str, prompt: str, schema: type[BaseModel]) -> Completion:
        started = time.perf_counter()
        entry: dict[str, Any] = {"step": step, "role": role, "template": template, "prompt": prompt}
        self.steps.append(entry)
        try:
            completion = complete(
                role=role,
                messages=[{"role": "user", "content": prompt}],
                schema=schema,
                template=template,
                subject=self.report,
            )
        except ApplicationError as exc:
            entry.update(outcome="failed", error=exc.message, duration_ms=round((time.perf_counter() - started) * 1000))
            raise
        entry.update(
            outcome="succeeded",
            provider=completion.provider,
            model=completion.model,
            template_version=completion.template_version,
            tokens_in=completion.tokens_in,
            tokens_out=completion.tokens_out,
            cost=str(completion.cost),
            output=completion.parsed.model_dump(mode="json"),
            duration_ms=round((time.perf_counter() - started) * 1000),
        )
        return completion

    def note(self, step: str, **details: Any) -> None:
        self.steps.append({"step": step, "outcome": "succeeded", **details})


def _author_prompt(brief: str, genre: str | None, countries: list[str]) -> str:
    lines = [f"Brief: {brief}"]
    if genre:
        lines.append(f"Genre: {genre}")
    if countries:
        lines.append(f"Countries: {', '.join(countries)}")
    return "\n".join(lines)


def _unique_name(recorder: _Recorder, draft: ArtistDraft, brief: str) -> str:
    """The draft's name, or a new one from the author when an artist already has it."""
    name, taken = draft.name.strip(), []
    for attempt in range(NAME_ATTEMPTS):
        if not Artist.objects.filter(name__iexact=name).exists():
            if taken:
                recorder.warnings.append(f"Name(s) {', '.join(taken)} already taken; using {name!r}.")
            return name
        taken.append(repr(name))
        proposal = recorder.ask(
            f"rename_{attempt + 1}",
            role="author",
            template="artist_author",
            prompt=(
                f"Brief: {brief}\nGenre: {draft.primary_genre}\nPersona: {draft.persona}\n"
                f"Taken names: {', '.join(taken)}\nPropose a different, original artist name."
            ),
            schema=NameProposal,
        )
        name = proposal.parsed.name.strip()
    base, number = name, 2
    while Artist.objects.filter(name__iexact=name).exists():
        name, number = f"{base} {number}", number + 1
    recorder.warnings.append(f"Name(s) {', '.join(taken)} already taken; numbered the last proposal: {name!r}.")
    return name


def _check_consistency(profile: dict[str, Any], recorder: _Recorder) -> dict[str, Any]:
    """Code-side checks the validator role cannot be trusted with; fixes what is safely fixable."""
    checks: dict[str, Any] = {}
    defaults = profile["musical_defaults"]
    reference = genre_tempo_range(profile["primary_genre"])
    if reference is None:
        checks["tempo"] = f"no tempo reference for {profile['primary_genre']!r}; range not checked"
        recorder.warnings.append(f"Tempo range not checked: no reference for genre {profile['primary_genre']!r}.")
        return checks
    low, high = reference
    tempo_min, tempo_max = defaults["tempo_min"], defaults["tempo_max"]
    if tempo_min < low - TEMPO_TOLERANCE or tempo_max > high + TEMPO_TOLERANCE or tempo_min > high or tempo_max < low:
        fixed_min, fixed_max = min(max(tempo_min, low), high), max(min(tempo_max, high), low)
        if fixed_min > fixed_max:
            fixed_min, fixed_max = low, high
        defaults["tempo_min"], defaults["tempo_max"] = fixed_min, fixed_max
        message = (
            f"Tempo range {tempo_min}-{tempo_max} BPM is implausible for {profile['primary_genre']} "
            f"({low}-{high} BPM); corrected to {fixed_min}-{fixed_max}."
        )
        recorder.warnings.append(message)
        checks["tempo"] = message
    else:
        checks["tempo"] = f"{tempo_min}-{tempo_max} BPM fits {profile['primary_genre']} ({low}-{high} BPM)"
    return checks


def _origin_from_brief(draft: ArtistDraft, brief: str, validation: dict[str, Any]) -> ArtistDraft:
    """A draft without an origin gets one from the places the brief names, else its first target country."""
    if draft.origin.country:
        return draft
    mentions = find_places(brief)
    if mentions:
        origin = Origin(country=mentions[0].code, city=mentions[0].city)
    else:
        origin = Origin(country=draft.target_audience.countries[0])
    validation["origin"] = {"source": "brief" if mentions else "target countries", **origin.model_dump()}
    return draft.model_copy(update={"origin": origin})


def _countries_from_origin(draft: ArtistDraft, countries: list[str], validation: dict[str, Any]) -> ArtistDraft:
    """Target countries start from the artist's home country; the operator's list wins when given."""
    if countries:
        targets = countries
    else:
        home = draft.origin.country
        stated = draft.target_audience.countries
        targets = list(dict.fromkeys([home, *stated] if home else stated))
        if home and draft.target_audience.countries[:1] != [home]:
            validation["target_countries"] = f"moved the home country {home} to the front"
    return draft.model_copy(
        update={"target_audience": draft.target_audience.model_copy(update={"countries": targets[:30]})}
    )


def artist_create_from_brief(
    *,
    brief: str,
    genre: str | None = None,
    countries: list[str] | None = None,
    actor: AbstractBaseUser | None = None,
    report: CreationReport | None = None,
) -> Artist:
    """Draft, enrich, validate and save a new artist; `report` continues a queued creation."""
    try:
        brief = clean_brief(brief)
        countries = clean_countries(countries)
    except ApplicationError as exc:
        if report is not None:  # a queued job must never stay "running"
            _fail_if_open(report, _Recorder(report), {}, time.perf_counter(), error=exc.message)
        raise
    genre = (genre or "").strip()[:60] or None
    user = actor if actor is not None and actor.is_authenticated else None
    if report is None:
        check_llm_configuration()
        report = CreationReport.objects.create(
            brief=brief, options={"genre": genre, "countries": countries}, created_by=user
        )
    started = time.perf_counter()
    recorder = _Recorder(report)
    validation: dict[str, Any] = {}
    try:
        check_llm_configuration()  # a queued job may meet a configuration changed since it was queued
        draft: ArtistDraft = recorder.ask(
            "draft",
            role="author",
            template="artist_author",
            prompt=_author_prompt(brief, genre, countries),
            schema=ArtistDraft,
        ).parsed
        if genre and draft.primary_genre.lower() != genre.lower():
            recorder.warnings.append(f"The author chose {draft.primary_genre!r}; the operator's genre {genre!r} wins.")
            draft = draft.model_copy(update={"primary_genre": genre})
        draft = _countries_from_origin(_origin_from_brief(draft, brief, validation), countries, validation)
        name = _unique_name(recorder, draft, brief)
        enrichment: ArtistEnrichment = recorder.ask(
            "enrich",
            role="helper",
            template="artist_helper",
            prompt=f"Drafted artist:\n{draft.model_dump_json(indent=2)}",
            schema=ArtistEnrichment,
        ).parsed
        profile = {
            **draft.model_dump(mode="json", exclude={"name"}),
            **enrichment.model_dump(mode="json"),
        }
        validation["consistency"] = _check_consistency(profile, recorder)
        errors = profile_errors(profile)
        validation["schema"] = errors or "valid"
        if errors:
            raise ApplicationError("The assembled profile does not match the artist schema.", {"profile": errors})
        reference = genre_tempo_range(profile["primary_genre"])
        review: ProfileReview = recorder.ask(
            "validate",
            role="validator",
            template="artist_validator",
            prompt=(
                f"Artist name: {name}\nProfile:\n{json.dumps(profile, indent=2, ensure_ascii=False)}\n"
                + (
                    f"Usual tempo for {profile['primary_genre']}: {reference[0]}-{reference[1]} BPM\n"
                    if reference
                    else ""
                )
            ),
            schema=ProfileReview,
        ).parsed
        validation["review"] = review.model_dump(mode="json")
        recorder.warnings.extend(f"Validator: {issue}" for issue in review.issues)
        clean = ArtistProfile.model_validate(profile).model_dump(mode="json")
        with transaction.atomic():
            locked = _locked_if_open(report)
            if locked is None:
                raise ConflictError(f"Creation report {report.pk} is already finished.")
            artist = artist_create(name=name, profile=clean, reason=f"Created from brief: {brief[:200]}", actor=actor)
            recorder.note("save", artist_id=artist.pk, slug=artist.slug)
            _finish(report, recorder, validation, started, outcome=CreationReport.Outcome.SUCCEEDED, artist=artist)
        return artist
    except ConflictError:
        raise
    except Exception as exc:
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        _fail_if_open(report, recorder, validation, started, error=message)
        raise


def _fail_if_open(
    report: CreationReport, recorder: _Recorder, validation: dict[str, Any], started: float, *, error: str
) -> None:
    """Record the failure on a report still running; one the sweep or another worker has ended
    keeps its outcome and its artist."""
    with transaction.atomic():
        if _locked_if_open(report) is not None:
            _finish(report, recorder, validation, started, outcome=CreationReport.Outcome.FAILED, error=error)


def _locked_if_open(report: CreationReport) -> CreationReport | None:
    """The report with its row locked for this transaction, or None when it is gone or has ended
    (an outcome, or an artist) elsewhere: what may still be written to it is decided under the lock."""
    locked = CreationReport.objects.select_for_update().filter(pk=report.pk).first()
    if locked is None or locked.outcome != CreationReport.Outcome.RUNNING or locked.artist_id:
        return None
    return locked


def _finish(
    report: CreationReport,
    recorder: _Recorder,
    validation: dict[str, Any],
    started: float,
    *,
    outcome: str,
    artist: Artist | None = None,
    error: str = "",
) -> None:
    report.artist = artist
    report.outcome = outcome
    report.steps = recorder.steps
    report.validation = validation
    report.warnings = recorder.warnings
    report.error = error
    report.duration_ms = round((time.perf_counter() - started) * 1000)
    report.save(update_fields=["artist", "outcome", "steps", "validation", "warnings", "error", "duration_ms"])


def artist_creation_enqueue(
    *, brief: str, genre: str | None = None, countries: list[str] | None = None, actor: AbstractBaseUser | None = None
) -> CreationReport:
    """Validate the input now, then create the artist in a worker; the report is the job to poll.

    The report and the job's hand-over commit together (the outbox): a broker outage delays
    the job, it never leaves a report "running" that no worker will pick up.
    """
    brief = clean_brief(brief)
    countries = clean_countries(countries)
    check_llm_configuration()
    genre = (genre or "").strip()[:60] or None
    with transaction.atomic():
        report = CreationReport.objects.create(
            brief=brief,
            options={"genre": genre, "countries": countries, "queued_at": timezone.now().isoformat()},
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        artist_creation_handover(report=report)
    return report


def artist_creation_handover(*, report: CreationReport) -> None:
    """Hand a queued creation to the workers (again, for the sweep); one waiting hand-over per report."""
    key = f"create-artist-{report.pk}"
    outbox_enqueue(task=CREATION_TASK, args=[report.pk], task_name=key, key=key)


def creation_report_start(*, report: CreationReport) -> bool:
    """Claim a queued creation for this worker; False when it is finished or another worker holds it.

    The sweep hands a creation over again while its task may only be waiting behind others, so
    two copies of the task can meet: one claims the report and works, the other returns without
    a single LLM call. A claim older than the worker timeout is a dead worker's (the broker
    redelivers such a task), so it can be taken again. The mark also lets the sweep tell a
    lost hand-over from a lost worker.
    """
    now = timezone.now()
    worker_limit = timedelta(seconds=settings.Q_CLUSTER["timeout"])
    with transaction.atomic():
        locked = _locked_if_open(report)
        if locked is None:
            return False
        started = (locked.options or {}).get("started_at")
        if started is not None and datetime.fromisoformat(started) > now - worker_limit:
            return False
        options = {**(locked.options or {}), "started_at": now.isoformat()}
        options["attempts"] = int(options.get("attempts", 0)) + 1
        CreationReport.objects.filter(pk=report.pk).update(options=options)
    report.options = options
    return True


def creation_reports_recover() -> dict[str, int]:
    """Queued creations that will never finish on their own: hand them over again, or fail them.

    A creation no worker took (the broker lost or dropped its task) is handed over again;
    one whose worker died mid-way (started longer ago than the worker timeout) is failed
    with the reason, so no job says "running" forever.
    """
    now = timezone.now()
    idle = timedelta(minutes=settings.STUCK_SWEEP_MINUTES)
    worker_limit = timedelta(seconds=settings.Q_CLUSTER["timeout"])
    requeued = failed = 0
    stale = CreationReport.objects.filter(
        outcome=CreationReport.Outcome.RUNNING, artist__isnull=True, created_at__lt=now - idle
    )
    for report in stale:
        started = (report.options or {}).get("started_at")
        if started is None:
            if outbox_handed_over(key=f"create-artist-{report.pk}", within=idle):
                continue  # waiting for the broker, or queued behind other jobs
            with transaction.atomic():
                artist_creation_handover(report=report)
            logger.warning("Creation report %s was never picked up by a worker; handed over again.", report.pk)
            requeued += 1
        elif datetime.fromisoformat(started) < now - worker_limit:
            # Only the claim it read: a worker that re-claimed the report meanwhile keeps it.
            updated = CreationReport.objects.filter(
                pk=report.pk, outcome=CreationReport.Outcome.RUNNING, options__started_at=started
            ).update(
                outcome=CreationReport.Outcome.FAILED,
                error="The worker creating this artist stopped without finishing (worker lost); create it again.",
            )
            failed += updated
    return {"requeued": requeued, "failed": failed}
