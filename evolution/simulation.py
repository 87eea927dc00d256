"""`simulate_market`: a deterministic closed loop of evolution on the demo artists.

Each simulated week:
1. the market drifts: every target country has chart means (tempo, energy, valence) and genre
   shares; some countries move a little every week, others stand still;
2. a batch runs for every artist: the pipeline's own parameter adaptation
   (`generation.services.stages.parameters_from_profile`) on the artist's current version —
   the lightweight path: no audio, video or cover is rendered, and no release is made, so
   performance evidence plays no part here;
3. an autopilot reviewer decides each run through the real review service, approving with a
   probability that grows with the run's closeness to its market, and saying why it rejects
   ("too slow", "too dark"...);
4. a plan is proposed from the evidence (market, reviews, and the reflection of the embedded
   LLM provider on the comments) by the real planning service, its step is checked against
   the bounds independently, and the autopilot approves it; next week's batch reads the new
   version.
Everything runs inside one transaction that is rolled back at the end: the database is left as
it was, and the same seed prints the same weeks.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from artists.models import Artist
from artists.selectors import artist_current_version
from artists.services import artist_create
from evolution.bounds import StepBounds, step_violations
from evolution.compatibility import STD_FLOOR, MarketSnapshot, compatibility
from evolution.models import EvolutionPlan
from evolution.services.plans import plan_approve, plan_propose
from evolution.services.scores import artist_score_compatibility
from generation.models import GenerationRun, ReviewDecision, RunStatus
from generation.services.review import run_decide
from generation.services.stages import parameters_from_profile
from kernel.actors import Channel

START = dt.date(2026, 1, 5)  # a Monday: week 1 of the simulated calendar


@dataclass(frozen=True)
class CountryMarket:
    """A country's charts at week 0 and how they move each week."""

    tempo: float
    energy: float
    valence: float
    shares: dict[str, float]
    drift: dict[str, float] = field(default_factory=dict)  # per week: tempo, energy, valence
    share_drift: dict[str, float] = field(default_factory=dict)  # per week, renormalised

    def at(self, country: str, week: int) -> MarketSnapshot:
        def moved(name: str, value: float, low: float, high: float) -> float:
            return max(low, min(high, value + week * self.drift.get(name, 0.0)))

        shares = {g: max(0.0, s + week * self.share_drift.get(g, 0.0)) for g, s in self.shares.items()}
        total = sum(shares.values())
        return MarketSnapshot(
            country=country,
            features={
                "tempo": (moved("tempo", self.tempo, 60, 200), 10.0),
                "energy": (moved("energy", self.energy, 0, 1), 0.08),
                "valence": (moved("valence", self.valence, 0, 1), 0.08),
            },
            genre_shares={g: s / total for g, s in shares.items()},
            label=f"simulated week {week + 1}",
        )


# What each country's listeners of each demo artist's genre play (features), and the country's
# genre shares. Synthwave listeners in all of Neon Vesper's countries speed up and push energy
# week after week while darkwave gains ground; lo-fi listeners in all of Lua Maré's countries
# brighten and (in BR and PT) warm to bossa nova; techno's markets stand still.
SHARES: dict[str, dict[str, float]] = {
    "DE": {"synthwave": 0.08, "darkwave": 0.1, "electropop": 0.12, "techno": 0.3, "industrial": 0.1, "minimal": 0.1},
    "GB": {"synthwave": 0.08, "darkwave": 0.1, "electropop": 0.3, "pop": 0.4},
    "FR": {"synthwave": 0.12, "darkwave": 0.08, "electropop": 0.3, "pop": 0.4},
    "US": {"synthwave": 0.05, "electropop": 0.15, "lo-fi": 0.1, "chillhop": 0.1, "pop": 0.6},
    "BR": {"lo-fi": 0.15, "bossa nova": 0.2, "chillhop": 0.1, "mpb": 0.55},
    "PT": {"lo-fi": 0.2, "bossa nova": 0.2, "chillhop": 0.15, "fado": 0.45},
    "JP": {"lo-fi": 0.35, "chillhop": 0.35, "bossa nova": 0.05, "city pop": 0.25},
    "NO": {"techno": 0.5, "minimal": 0.2, "industrial": 0.3},
    "NL": {"techno": 0.45, "minimal": 0.25, "industrial": 0.1, "house": 0.2},
    "BE": {"techno": 0.5, "industrial": 0.3, "minimal": 0.2},
}
SHARE_DRIFT: dict[str, dict[str, float]] = {
    "DE": {"darkwave": 0.008},
    "GB": {"darkwave": 0.008},
    "FR": {"darkwave": 0.006},
    "BR": {"bossa nova": 0.012},
    "PT": {"bossa nova": 0.01},
}
SYNTH = {"tempo": 1.2, "energy": 0.012, "valence": -0.004}
LOFI = {"tempo": 0.8, "energy": 0.006, "valence": 0.01}
MARKETS: dict[tuple[str, str], CountryMarket] = {
    ("synthwave", "DE"): CountryMarket(114, 0.74, 0.33, SHARES["DE"], SYNTH, SHARE_DRIFT["DE"]),
    ("synthwave", "GB"): CountryMarket(116, 0.73, 0.34, SHARES["GB"], SYNTH, SHARE_DRIFT["GB"]),
    ("synthwave", "FR"): CountryMarket(112, 0.71, 0.35, SHARES["FR"], SYNTH, SHARE_DRIFT["FR"]),
    ("synthwave", "US"): CountryMarket(110, 0.7, 0.36, SHARES["US"], SYNTH),
    ("lo-fi", "BR"): CountryMarket(86, 0.42, 0.7, SHARES["BR"], LOFI, SHARE_DRIFT["BR"]),
    ("lo-fi", "PT"): CountryMarket(84, 0.41, 0.68, SHARES["PT"], LOFI, SHARE_DRIFT["PT"]),
    ("lo-fi", "US"): CountryMarket(82, 0.38, 0.66, SHARES["US"], LOFI),
    ("lo-fi", "JP"): CountryMarket(80, 0.36, 0.66, SHARES["JP"], LOFI),
    ("techno", "NO"): CountryMarket(133, 0.86, 0.3, SHARES["NO"]),
    ("techno", "DE"): CountryMarket(135, 0.84, 0.32, SHARES["DE"]),
    ("techno", "NL"): CountryMarket(132, 0.85, 0.33, SHARES["NL"]),
    ("techno", "BE"): CountryMarket(134, 0.86, 0.3, SHARES["BE"]),
}


def snapshots(week: int, genre: str) -> dict[str, MarketSnapshot]:
    """The markets of one genre's listeners in every country, at a week."""
    return {country: market.at(country, week) for (g, country), market in MARKETS.items() if g == genre}


def moved_countries(genre: str) -> list[str]:
    return [country for (g, country), market in MARKETS.items() if g == genre and (market.drift or market.share_drift)]


def review_run(parameters: dict, markets: list[MarketSnapshot], rng: random.Random) -> tuple[bool, str]:
    """The autopilot reviewer: approval odds grow with closeness to the market; rejections say why."""
    z = {}
    for name in ("tempo", "energy", "valence"):
        means = [m.features[name][0] for m in markets]
        spread = max(STD_FLOOR[name], sum(m.features[name][1] for m in markets) / len(markets))
        z[name] = (float(parameters[name]) - sum(means) / len(means)) / spread
    fit = sum(math.exp(-0.5 * value**2) for value in z.values()) / len(z)
    if rng.random() < 0.05 + 0.9 * fit**2:
        return True, "close to what the charts play"
    name, value = max(z.items(), key=lambda item: abs(item[1]))
    reason = {
        ("tempo", True): "too fast, it feels rushed",
        ("tempo", False): "too slow, it drags",
        ("energy", True): "too intense, overwhelming",
        ("energy", False): "flat, no energy in the drop",
        ("valence", True): "too happy for this crowd",
        ("valence", False): "too dark, gloomy",
    }[(name, value > 0)]
    return False, reason


@dataclass
class WeekRow:
    week: int
    artist: str
    approved: int
    decided: int
    before: float | None
    after: float | None
    moved: list[str]
    bounds_held: bool
    plan: int | None


def simulate(
    *,
    specs: list[dict[str, Any]],
    weeks: int = 12,
    runs_per_week: int = 6,
    seed: int = 7,
    out: Callable[[str], None] = print,
) -> list[WeekRow]:
    """Run the loop and print it week by week; everything is rolled back at the end."""
    rows: list[WeekRow] = []
    bounds = StepBounds.from_settings()
    with transaction.atomic():
        artists = [
            artist_create(
                name=f"{spec['name']} · sim",
                profile=copy.deepcopy(spec["profile"]),
                status=Artist.Status.ACTIVE,
                reason="simulate_market",
            )
            for spec in specs
        ]
        rng = random.Random(seed)
        out(
            f"Bounds per step: tempo ±{bounds.tempo_bpm} BPM, energy ±{bounds.energy}, valence ±{bounds.valence}, "
            f"genre mix ≤ {bounds.genre_mix_tv} TV, {bounds.style_note_changes} style-note edits; "
            "persona, primary genre and voice frozen."
        )
        for week in range(weeks):
            today = START + dt.timedelta(weeks=week)
            now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
            out(f"\nWeek {week + 1} ({today.isoformat()})")
            for artist in artists:
                markets = snapshots(week, artist.primary_genre.lower())
                rows.append(_week(artist, week, now, markets, runs_per_week, rng, bounds, out))
        _summary(rows, artists, out)
        transaction.set_rollback(True)
    return rows


def _week(artist, week, now, markets, size, rng, bounds, out) -> WeekRow:
    version = artist_current_version(artist=artist)
    countries = version.profile["target_audience"]["countries"]
    mine = [markets[c] for c in countries if c in markets]
    approved = 0
    for index in range(size):
        parameters = parameters_from_profile(version.profile, seed=rng.randrange(2**31))
        run = GenerationRun.objects.create(
            artist=artist,
            artist_version=version,
            status=RunStatus.AWAITING_REVIEW,
            title=f"{artist.name} w{week + 1}-{index + 1}",
            parameters=parameters,
        )
        ok, comment = review_run(parameters, mine, rng)
        run_decide(
            run=run.pk,
            decision="approved" if ok else "rejected",
            actor=None,
            channel=Channel.SYSTEM,
            comment=comment,
            actor_label="autopilot reviewer",
        )
        approved += ok
    # The simulated clock: this week's runs and decisions happened `now`.
    GenerationRun.objects.filter(artist=artist, artist_version=version, created_at__gt=now).update(created_at=now)
    ReviewDecision.objects.filter(run__artist=artist, decided_at__gt=now).update(decided_at=now)
    before = artist_score_compatibility(artist=artist, markets=markets, at=now).value
    plan = plan_propose(artist=artist, trigger=EvolutionPlan.Trigger.SIMULATION, markets=markets, now=now)
    moved, held, plan_id = [], True, None
    if plan is not None:
        plan_id = plan.pk
        held = not step_violations(plan.base_version.profile, plan.proposed_profile, bounds)
        for change in plan.changes:
            moved.append(_describe_change(change))
            delta, bound = change["delta"], change["bound"]
            if isinstance(delta, (int, float)) and isinstance(bound, (int, float)) and abs(delta) > bound + 1e-9:
                held = False
        plan_approve(plan=plan, actor=None, channel=Channel.SYSTEM, comment="autopilot")
    artist.refresh_from_db()
    after, _ = compatibility(artist_current_version(artist=artist).profile, markets)
    name = artist.name.removesuffix(" · sim")
    out(
        f"  {name:<12} compat {before:.3f} → {after:.3f}  approved {approved}/{size}  "
        f"bounds {'held' if held else 'BROKEN'}"
    )
    for line in moved:
        out(f"      {line}")
    if not moved:
        out("      nothing moved (the evidence asked for no change)")
    return WeekRow(week + 1, name, approved, size, before, after, moved, held, plan_id)


def _describe_change(change: dict) -> str:
    path, old, new, delta, bound = change["path"], change["old"], change["new"], change["delta"], change["bound"]
    if path == "genre_mix":
        parts = ", ".join(f"{g} {new.get(g, 0):.2f}" for g in sorted(new, key=lambda g: -new[g]))
        return f"genre_mix → {parts}  (TV {delta:.3f} ≤ {bound})"
    if path == "secondary_genres":
        return f"secondary_genres {old} → {new}  (follows the mix)"
    if path == "style_notes":
        added = [n for n in new if n not in old]
        removed = [n for n in old if n not in new]
        text = "; ".join([*(f"+ “{n}”" for n in added), *(f"- “{n}”" for n in removed)])
        return f"style_notes {text}  ({delta} ≤ {bound} edits)"
    short = path.removeprefix("musical_defaults.")
    return f"{short} {old} → {new}  ({delta:+.3g}, |Δ| ≤ {bound})"


def _summary(rows: list[WeekRow], artists, out) -> None:
    out("\nSummary")
    for artist in artists:
        mine = [row for row in rows if row.artist == artist.name.removesuffix(" · sim")]
        first, last = mine[0], mine[-1]
        moved = moved_countries(artist.primary_genre.lower())
        moved_text = f"moved in {', '.join(moved)}" if moved else "stood still"
        out(
            f"  {first.artist:<12} market {moved_text:<22} compatibility week 1 {first.before:.3f} → week {last.week} "
            f"{last.after:.3f} ({last.after - first.before:+.3f}); plans applied {sum(1 for r in mine if r.plan)}; "
            f"approval week 1 {first.approved}/{first.decided}, week {last.week} {last.approved}/{last.decided}"
        )
    out(f"  every step within its bounds: {'yes' if all(row.bounds_held for row in rows) else 'NO'}")
