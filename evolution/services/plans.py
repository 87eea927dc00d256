"""Evolution plans: proposed from evidence, bounded, explained, reviewed, applied as a version, reversible.

Evidence and where it points:
- market: the target countries' current chart means and genre shares (weight 0.5);
- reviews: the parameters of the artist's approved runs, against its rejected ones (weight 0.3);
- performance: the parameters of its best-streaming releases (weight 0.2);
- reflection: style-note edits written by the LLM `reflection` role from review comments.
Only the evidence present counts (weights renormalised). The step toward the weighted target is
cut by `evolution.bounds`; identity-core fields never move.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from artists.models import Artist, ArtistVersion
from artists.schemas import ArtistProfile
from artists.selectors import artist_current_version
from artists.services import artist_set_status, artist_update_profile
from evolution.bounds import StepBounds, Target, step_changes, step_toward, step_violations
from evolution.compatibility import MarketSnapshot, artist_sound, compatibility, market_target
from evolution.markets import market_snapshots
from evolution.models import EvolutionPlan, PerformanceRecord
from evolution.reflection import reflect_on_reviews
from generation.models import APPROVED_STATUSES, REJECTED_STATUSES, GenerationRun
from kernel.actors import Channel
from kernel.errors import ApplicationError, ConflictError, NotFoundError

WEIGHTS = {"market": 0.5, "reviews": 0.3, "performance": 0.2}
PLANNABLE = (Artist.Status.CANDIDATE, Artist.Status.ACTIVE, Artist.Status.EVOLVING)
MIN_APPROVALS = 3
MIN_REJECTIONS = 3
MIN_RELEASES = 2
PARAMS = ("tempo", "energy", "valence")


def _mean_parameters(parameter_sets: list[dict]) -> dict[str, float]:
    means = {}
    for name in PARAMS:
        values = [float(p[name]) for p in parameter_sets if isinstance(p.get(name), (int, float))]
        if values:
            means[name] = statistics.fmean(values)
    return means


def review_evidence(*, artist: Artist, now: datetime | None = None) -> dict[str, Any]:
    """Approved and rejected runs in the review window: counts, parameter means, recent comments."""
    since = (now or timezone.now()) - timedelta(days=settings.EVOLUTION_REVIEW_WINDOW_DAYS)
    # Approval is the one definition of generation.models.APPROVED_STATUSES (by run status).
    rows = list(
        GenerationRun.objects.filter(artist=artist, decision__decided_at__gte=since)
        .filter(status__in=APPROVED_STATUSES | REJECTED_STATUSES)
        .order_by("-decision__decided_at")
        .values("parameters", "status", "decision__comment")
    )
    approved = [r["parameters"] for r in rows if r["status"] in APPROVED_STATUSES]
    rejected = [r["parameters"] for r in rows if r["status"] in REJECTED_STATUSES]

    def comments(statuses: frozenset) -> list[str]:
        found = [(r["decision__comment"] or "").strip() for r in rows if r["status"] in statuses]
        return [comment[:300] for comment in found if comment][:12]

    return {
        "window_days": settings.EVOLUTION_REVIEW_WINDOW_DAYS,
        "approved": len(approved),
        "rejected": len(rejected),
        "approved_means": _mean_parameters(approved),
        "rejected_means": _mean_parameters(rejected),
        "approval_comments": comments(APPROVED_STATUSES),
        "rejection_comments": comments(REJECTED_STATUSES),
    }


def performance_evidence(*, artist: Artist) -> dict[str, Any]:
    """Releases ranked by mean daily streams; the parameters of the better half."""
    per_release = list(
        PerformanceRecord.objects.filter(artist=artist)
        .values("release_id", "release__run__parameters")
        .annotate(streams=Sum("streams"), days=Count("date", distinct=True))
    )
    ranked = sorted(
        (
            {
                "release": r["release_id"],
                "daily": r["streams"] / max(1, r["days"]),
                "parameters": r["release__run__parameters"],
            }
            for r in per_release
        ),
        key=lambda item: -item["daily"],
    )
    best = ranked[: max(1, len(ranked) // 2)] if len(ranked) >= MIN_RELEASES else []
    return {
        "releases": len(ranked),
        "best": [{"release": item["release"], "daily_streams": round(item["daily"], 1)} for item in best],
        "best_means": _mean_parameters([item["parameters"] or {} for item in best]),
    }


def plan_target(
    profile: dict[str, Any], *, market: dict | None, reviews: dict, performance: dict
) -> tuple[Target, list[str]]:
    """The weighted target of the evidence present, and one sentence per source saying what it says."""
    sources: dict[str, dict[str, float]] = {}
    reasons: list[str] = []
    if market:
        sources["market"] = {name: market[name] for name in PARAMS if name in market}
        described = ", ".join(
            f"{name} {market[name]:.2f}" if name != "tempo" else f"tempo {market[name]:.0f} BPM"
            for name in PARAMS
            if name in market
        )
        reasons.append(f"Market: the target countries' charts average {described}.")
    if reviews["approved"] >= MIN_APPROVALS and reviews["rejected"] >= MIN_REJECTIONS and reviews["approved_means"]:
        # Where reviewers lean: from the rejected runs' centre through the approved runs' centre and as
        # far again beyond it (the approved centre alone would pull the artist back to where it is).
        approved_means, rejected_means = reviews["approved_means"], reviews["rejected_means"]
        lean = {
            name: value + (value - rejected_means[name]) if name in rejected_means else value
            for name, value in approved_means.items()
        }
        sources["reviews"] = lean
        described = ", ".join(f"{k} {v:.2f}" if k != "tempo" else f"tempo {v:.0f}" for k, v in approved_means.items())
        reasons.append(
            f"Reviews: {reviews['approved']} approved and {reviews['rejected']} rejected runs in "
            f"{reviews['window_days']} days; the approved ones average {described}"
            + (", away from the rejected ones." if rejected_means else ".")
        )
    elif reviews["approved"] or reviews["rejected"]:
        reasons.append(
            f"Reviews: {reviews['approved']} approvals is fewer than {MIN_APPROVALS}; not used for parameters."
        )
    if performance["best_means"]:
        sources["performance"] = performance["best_means"]
        described = ", ".join(
            f"{k} {v:.2f}" if k != "tempo" else f"tempo {v:.0f}" for k, v in performance["best_means"].items()
        )
        reasons.append(
            f"Performance: the best-streaming {len(performance['best'])} of {performance['releases']} releases "
            f"average {described}."
        )
    target = Target()
    for name in PARAMS:
        weighted = [(WEIGHTS[source], values[name]) for source, values in sources.items() if name in values]
        if not weighted:
            continue
        total = sum(weight for weight, _ in weighted)
        value = sum(weight * v for weight, v in weighted) / total
        if name == "tempo":
            target.tempo_center = value
        else:
            setattr(target, name, value)
    if market and market.get("genre_shares"):
        target.genre_shares = market["genre_shares"]
    return target, reasons


def _describe(changes: list[dict[str, Any]], profile: dict, target: Target) -> list[str]:
    lines = []
    sound = artist_sound(profile)
    goals = {"tempo": target.tempo_center, "energy": target.energy, "valence": target.valence}
    for change in changes:
        path = change["path"]
        if path in ("musical_defaults.tempo_min", "musical_defaults.tempo_max"):
            continue
        if path == "musical_defaults.energy" or path == "musical_defaults.valence":
            name = path.split(".")[1]
            lines.append(
                f"{name.capitalize()} {change['old']} → {change['new']} ({change['delta']:+.3f}, "
                f"bound ±{change['bound']}), toward {goals[name]:.2f}."
            )
        elif path == "genre_mix":
            moved = sorted(
                (
                    (g, change["new"].get(g, 0) - change["old"].get(g, 0))
                    for g in set(change["old"]) | set(change["new"])
                ),
                key=lambda item: -abs(item[1]),
            )
            parts = ", ".join(f"{g} {d:+.0%}" for g, d in moved if abs(d) >= 0.005)
            lines.append(f"Genre mix: {parts} (distance {change['delta']:.3f}, bound {change['bound']}).")
        elif path == "style_notes":
            added = [n for n in change["new"] if n not in change["old"]]
            removed = [n for n in change["old"] if n not in change["new"]]
            if added:
                lines.append("Style notes added: " + "; ".join(f"“{n}”" for n in added) + ".")
            if removed:
                lines.append("Style notes removed: " + "; ".join(f"“{n}”" for n in removed) + ".")
    tempo = [c for c in changes if c["path"].startswith("musical_defaults.tempo_")]
    if tempo:
        old = (profile["musical_defaults"]["tempo_min"], profile["musical_defaults"]["tempo_max"])
        shift = tempo[0]["delta"]
        lines.insert(
            0,
            f"Tempo range {old[0]}–{old[1]} → {old[0] + shift}–{old[1] + shift} BPM ({shift:+.0f}, bound "
            f"±{tempo[0]['bound']}), centre {sound['tempo']:.0f} toward {goals['tempo']:.0f}.",
        )
    return lines


@transaction.atomic
def plan_propose(
    *,
    artist: Artist,
    trigger: str = EvolutionPlan.Trigger.ON_DEMAND,
    actor: AbstractBaseUser | None = None,
    markets: dict[str, MarketSnapshot] | None = None,
    reflect: bool = True,
    bounds: StepBounds | None = None,
    now: datetime | None = None,
) -> EvolutionPlan | None:
    """Propose one bounded step for the artist from the evidence; None when the evidence asks for nothing.

    A plan already waiting is superseded by the new one. The artist shows `evolving` while a plan waits.
    """
    artist = Artist.objects.select_for_update().get(pk=artist.pk)
    if artist.status not in PLANNABLE:
        raise ConflictError(f"{artist.name} is {artist.status}: only candidate, active or evolving artists evolve.")
    base = artist_current_version(artist=artist)
    if base is None:
        raise ApplicationError(f"{artist.name} has no profile version to evolve from.")
    bounds = bounds or StepBounds.from_settings()
    profile = base.profile
    countries = list(profile["target_audience"]["countries"])
    markets = market_snapshots(countries, genre=profile["primary_genre"]) if markets is None else markets
    market = market_target(profile, markets)
    reviews = review_evidence(artist=artist, now=now)
    performance = performance_evidence(artist=artist)
    target, reasons = plan_target(profile, market=market, reviews=reviews, performance=performance)
    reflection: dict[str, Any] = {}
    if reflect:
        reflection = reflect_on_reviews(artist=artist, profile=profile, reviews=reviews)
        target.add_notes, target.remove_notes = reflection.get("add_notes", []), reflection.get("remove_notes", [])
        if reflection.get("rationale"):
            reasons.append(f"Reflection ({reflection.get('provider', 'llm')}): {reflection['rationale']}")
        elif reflection.get("error"):
            reasons.append(f"Reflection unavailable: {reflection['error']}")
    proposed = step_toward(profile, target, bounds)
    problems = step_violations(profile, proposed, bounds)
    if problems:  # step_toward is built not to do this; refuse loudly rather than store a bad plan
        raise ApplicationError("The proposed step breaks its bounds.", {"problems": problems})
    changes = step_changes(ArtistProfile.model_validate(profile).model_dump(mode="json"), proposed, bounds)
    if not changes:
        return None
    before, _ = compatibility(profile, markets)
    after, _ = compatibility(proposed, markets)
    lines = _describe(changes, profile, target)
    if before is not None and after is not None:
        lines.append(f"Compatibility with the target markets {before:.2f} → {after:.2f}.")
    explanation = "\n".join([*lines, "", "Why:", *reasons])
    waiting = EvolutionPlan.objects.select_for_update().filter(artist=artist, status=EvolutionPlan.Status.PROPOSED)
    status_before = artist.status
    for old in waiting:
        status_before = old.status_before or status_before
        old.status = EvolutionPlan.Status.SUPERSEDED
        old.save(update_fields=["status"])
    plan = EvolutionPlan.objects.create(
        artist=artist,
        trigger=trigger,
        base_version=base,
        proposed_profile=proposed,
        changes=changes,
        bounds=bounds.as_dict(),
        explanation=explanation,
        evidence={
            "market": market,
            "markets": {c: m.label for c, m in markets.items() if c in countries},
            "reviews": reviews,
            "performance": performance,
            "reflection": reflection,
            "compatibility": {"before": before, "after": after},
        },
        status_before=status_before if status_before != Artist.Status.EVOLVING else Artist.Status.ACTIVE,
    )
    artist_set_status(
        artist=artist,
        to_status=Artist.Status.EVOLVING,
        reason=f"Evolution plan #{plan.pk} waits for review.",
        metrics={"plan": plan.pk, "changes": len(changes)},
        actor=actor,
    )
    return plan


def _claim(plan: EvolutionPlan | int, from_status: str) -> EvolutionPlan:
    plan_id = plan if isinstance(plan, int) else plan.pk
    locked = (
        EvolutionPlan.objects.select_for_update().select_related("artist", "base_version").filter(pk=plan_id).first()
    )
    if locked is None:
        raise NotFoundError(f"Evolution plan {plan_id} does not exist.")
    if locked.status != from_status:
        raise ConflictError(
            f"Plan #{plan_id} is {locked.get_status_display().lower()}, "
            f"not {EvolutionPlan.Status(from_status).label.lower()}.",
            {"status": locked.status},
        )
    return locked


def _restore_status(plan: EvolutionPlan, actor: AbstractBaseUser | None, reason: str) -> None:
    artist = Artist.objects.get(pk=plan.artist_id)
    if (
        artist.status == Artist.Status.EVOLVING
        and not EvolutionPlan.objects.filter(artist=artist, status=EvolutionPlan.Status.PROPOSED).exists()
    ):
        artist_set_status(
            artist=artist, to_status=plan.status_before or Artist.Status.ACTIVE, reason=reason, actor=actor
        )


def _decide(plan: EvolutionPlan, status: str, actor, channel: str, comment: str) -> None:
    plan.status = status
    plan.decided_by = actor if actor is not None and actor.is_authenticated else None
    plan.decided_channel = channel
    plan.decision_comment = comment
    plan.decided_at = timezone.now()


@transaction.atomic
def plan_approve(
    *, plan: EvolutionPlan | int, actor: AbstractBaseUser | None, channel: str = Channel.WEB, comment: str = ""
) -> EvolutionPlan:
    """Apply the plan as a new ArtistVersion (through the artist service) and end the `evolving` status."""
    plan = _claim(plan, EvolutionPlan.Status.PROPOSED)
    current = artist_current_version(artist=plan.artist)
    if current is None or current.pk != plan.base_version_id:
        raise ConflictError(
            f"{plan.artist.name}'s profile changed since plan #{plan.pk} was proposed "
            f"(now v{current.number if current else 0}); propose a new plan.",
            {"base_version": plan.base_version.number},
        )
    problems = step_violations(plan.base_version.profile, plan.proposed_profile, StepBounds(**plan.bounds))
    if problems:
        raise ApplicationError(f"Plan #{plan.pk} breaks its bounds and cannot be applied.", {"problems": problems})
    version = artist_update_profile(
        artist=plan.artist,
        profile=plan.proposed_profile,
        reason=f"Evolution plan #{plan.pk} ({plan.get_trigger_display().lower()})",
        actor=actor,
    )
    if version is None:
        raise ConflictError(f"Plan #{plan.pk} changes nothing in {plan.artist.name}'s current profile.")
    _decide(plan, EvolutionPlan.Status.APPLIED, actor, channel, comment)
    plan.applied_version = version
    plan.save(
        update_fields=["status", "decided_by", "decided_channel", "decision_comment", "decided_at", "applied_version"]
    )
    _restore_status(plan, actor, f"Evolution plan #{plan.pk} applied as v{version.number}.")
    return plan


@transaction.atomic
def plan_reject(
    *, plan: EvolutionPlan | int, actor: AbstractBaseUser | None, channel: str = Channel.WEB, comment: str = ""
) -> EvolutionPlan:
    plan = _claim(plan, EvolutionPlan.Status.PROPOSED)
    _decide(plan, EvolutionPlan.Status.REJECTED, actor, channel, comment)
    plan.save(update_fields=["status", "decided_by", "decided_channel", "decision_comment", "decided_at"])
    _restore_status(plan, actor, f"Evolution plan #{plan.pk} rejected.")
    return plan


@transaction.atomic
def plan_rollback(
    *, plan: EvolutionPlan | int, actor: AbstractBaseUser | None, channel: str = Channel.WEB, comment: str = ""
) -> EvolutionPlan:
    """Restore exactly the profile the plan started from, as a new version (history is never rewritten).

    Only the artist's latest change can be rolled back: later versions would otherwise be lost silently.
    """
    plan = _claim(plan, EvolutionPlan.Status.APPLIED)
    current = artist_current_version(artist=plan.artist)
    if current is None or current.pk != plan.applied_version_id:
        raise ConflictError(
            f"{plan.artist.name} has changed since plan #{plan.pk} was applied "
            f"(now v{current.number if current else 0}); roll back the later changes first.",
        )
    version: ArtistVersion | None = artist_update_profile(
        artist=plan.artist,
        profile=plan.base_version.profile,
        reason=f"Rollback of evolution plan #{plan.pk} to v{plan.base_version.number}",
        actor=actor,
    )
    plan.status = EvolutionPlan.Status.ROLLED_BACK
    plan.rollback_version = version
    plan.rolled_back_at = timezone.now()
    if comment:
        plan.decision_comment = f"{plan.decision_comment}\nRollback: {comment}".strip()
    plan.save(update_fields=["status", "rollback_version", "rolled_back_at", "decision_comment"])
    return plan


def plans_propose_all(*, trigger: str = EvolutionPlan.Trigger.SCHEDULE) -> dict[str, int]:
    """The scheduled proposal: every candidate or active artist with nothing waiting."""
    counts = {"proposed": 0, "nothing_to_change": 0, "failed": 0}
    for artist in Artist.objects.filter(status__in=(Artist.Status.CANDIDATE, Artist.Status.ACTIVE)):
        try:
            plan = plan_propose(artist=artist, trigger=trigger)
        except ApplicationError:
            counts["failed"] += 1
            continue
        counts["proposed" if plan else "nothing_to_change"] += 1
    return counts
