"""One evolution step: move a profile toward a target, never further than the bounds allow.

`step_toward` makes the step; `step_violations` checks any (old, new) pair independently of
how it was made, so a plan written by hand, by the LLM or by the planner is held to the
same limits. Identity-core fields (persona, primary genre, voice; the name lives on the
Artist row) never change.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings

from artists.schemas import (
    IDENTITY_CORE_FIELDS,
    PRIMARY_GENRE_MIN_SHARE,
    ArtistProfile,
    effective_genre_mix,
    effective_valence,
    profile_errors,
)

# The only parts of a profile an evolution step may touch.
EVOLVABLE_FIELDS = ("musical_defaults", "genre_mix", "secondary_genres", "style_notes")
EVOLVABLE_DEFAULTS = ("tempo_min", "tempo_max", "energy", "valence")
MAX_GENRES = 7
MAX_STYLE_NOTES = 8
# Steps smaller than these are noise, not evolution.
MIN_MOVE = {"tempo": 1, "energy": 0.01, "valence": 0.01, "genre_mix": 0.01}
# Rounding the mix to 3 decimals may add up to ~0.004 of distance; the planner keeps this margin.
TV_MARGIN = 0.005


@dataclass(frozen=True)
class StepBounds:
    """The most one step may move each parameter."""

    tempo_bpm: int = 4
    energy: float = 0.05
    valence: float = 0.05
    genre_mix_tv: float = 0.1
    style_note_changes: int = 2

    @classmethod
    def from_settings(cls) -> StepBounds:
        return cls(
            tempo_bpm=settings.EVOLUTION_MAX_TEMPO_STEP_BPM,
            energy=settings.EVOLUTION_MAX_ENERGY_STEP,
            valence=settings.EVOLUTION_MAX_VALENCE_STEP,
            genre_mix_tv=settings.EVOLUTION_MAX_GENRE_MIX_TV,
            style_note_changes=settings.EVOLUTION_MAX_STYLE_NOTE_CHANGES,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Target:
    """Where the evidence says the artist should head; None leaves a parameter alone."""

    tempo_center: float | None = None
    energy: float | None = None
    valence: float | None = None
    genre_shares: dict[str, float] | None = None
    add_notes: list[str] = field(default_factory=list)
    remove_notes: list[str] = field(default_factory=list)


def total_variation(a: dict[str, float], b: dict[str, float]) -> float:
    """Half the L1 distance between two distributions over genres (0 same, 1 disjoint)."""
    return 0.5 * sum(abs(a.get(key, 0.0) - b.get(key, 0.0)) for key in set(a) | set(b))


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def mix_secondaries(mix: dict[str, float], primary: str) -> list[str]:
    """The secondary genres a mix implies: the others by share, largest first (ties by name)."""
    return [genre for genre, _ in sorted(mix.items(), key=lambda item: (-item[1], item[0])) if genre != primary][:6]


def _normalised(shares: dict[str, float]) -> dict[str, float]:
    positive = {genre.lower(): float(share) for genre, share in shares.items() if share > 0 and genre}
    total = sum(positive.values())
    return {genre: share / total for genre, share in positive.items()} if total > 0 else {}


def _round_mix(mix: dict[str, float], primary: str) -> dict[str, float]:
    """Three decimals, summing to exactly 1, the primary genre at least its minimum share."""
    rounded = {genre: round(share, 3) for genre, share in mix.items() if round(share, 3) > 0 and genre != primary}
    rounded[primary] = round(1.0 - sum(rounded.values()), 3)
    deficit = round(PRIMARY_GENRE_MIN_SHARE - rounded[primary], 3)
    while deficit > 0:
        largest = max((genre for genre in rounded if genre != primary), key=lambda genre: rounded[genre])
        taken = min(deficit, rounded[largest])
        rounded[largest] = round(rounded[largest] - taken, 3)
        rounded[primary] = round(rounded[primary] + taken, 3)
        deficit = round(deficit - taken, 3)
    rounded = {genre: share for genre, share in rounded.items() if share > 0}
    return dict(sorted(rounded.items(), key=lambda item: (-item[1], item[0])))


def _genre_target(old: dict[str, float], wanted: dict[str, float], primary: str) -> dict[str, float]:
    """The wanted mix made admissible: the old genres plus newcomers up to MAX_GENRES, primary >= its minimum."""
    wanted = _normalised(wanted)
    if not wanted:
        return old
    room = MAX_GENRES - len(set(old) | {primary})
    ranked = sorted(wanted, key=lambda genre: (-wanted[genre], genre))
    newcomers = [genre for genre in ranked if genre not in old and genre != primary][: max(0, room)]
    allowed = set(old) | {primary} | set(newcomers)
    wanted = _normalised({genre: share for genre, share in wanted.items() if genre in allowed}) or {primary: 1.0}
    if wanted.get(primary, 0.0) < PRIMARY_GENRE_MIN_SHARE:
        others = {genre: share for genre, share in wanted.items() if genre != primary}
        rest = sum(others.values())
        wanted = {primary: PRIMARY_GENRE_MIN_SHARE}
        wanted.update({genre: (1 - PRIMARY_GENRE_MIN_SHARE) * share / rest for genre, share in others.items()})
    return wanted


def step_toward(profile: dict[str, Any], target: Target, bounds: StepBounds) -> dict[str, Any]:
    """The profile one bounded step closer to `target`. Identity-core fields are copied untouched."""
    new = copy.deepcopy(ArtistProfile.model_validate(profile).model_dump(mode="json"))
    defaults = new["musical_defaults"]
    if target.tempo_center is not None:
        center = (defaults["tempo_min"] + defaults["tempo_max"]) / 2
        shift = int(round(_clip(target.tempo_center - center, -bounds.tempo_bpm, bounds.tempo_bpm)))
        shift = int(_clip(shift, 40 - defaults["tempo_min"], 220 - defaults["tempo_max"]))
        defaults["tempo_min"] += shift
        defaults["tempo_max"] += shift
    if target.energy is not None:
        delta = _clip(target.energy - defaults["energy"], -bounds.energy, bounds.energy)
        defaults["energy"] = round(_clip(defaults["energy"] + delta, 0.0, 1.0), 3)
        if abs(defaults["energy"] - profile["musical_defaults"]["energy"]) > bounds.energy + 1e-9:
            defaults["energy"] = profile["musical_defaults"]["energy"]  # rounding must never overshoot
    if target.valence is not None:
        current = effective_valence(defaults)
        delta = _clip(target.valence - current, -bounds.valence, bounds.valence)
        moved = round(_clip(current + delta, 0.0, 1.0), 3)
        if MIN_MOVE["valence"] <= abs(moved - current) <= bounds.valence + 1e-9:
            defaults["valence"] = moved
    if target.genre_shares is not None and bounds.genre_mix_tv > TV_MARGIN:
        primary = new["primary_genre"].lower()
        old_mix = effective_genre_mix(new)
        wanted = _genre_target(old_mix, target.genre_shares, primary)
        distance = total_variation(old_mix, wanted)
        if distance >= MIN_MOVE["genre_mix"]:
            weight = min(1.0, (bounds.genre_mix_tv - TV_MARGIN) / distance)
            mixed = {
                genre: (1 - weight) * old_mix.get(genre, 0.0) + weight * wanted.get(genre, 0.0)
                for genre in set(old_mix) | set(wanted)
            }
            new_mix = _round_mix(mixed, primary)
            if total_variation(old_mix, new_mix) <= bounds.genre_mix_tv and len(new_mix) <= MAX_GENRES:
                new["genre_mix"] = new_mix
                new["secondary_genres"] = mix_secondaries(new_mix, primary)
    if target.add_notes or target.remove_notes:
        new["style_notes"] = _patched_notes(new["style_notes"], target, bounds)
    for name in IDENTITY_CORE_FIELDS:
        new[name] = profile[name]
    return new


def _patched_notes(notes: list[str], target: Target, bounds: StepBounds) -> list[str]:
    budget = bounds.style_note_changes
    result = list(notes)
    lowered = {note.lower(): note for note in result}
    for note in target.remove_notes:
        if budget and note.lower() in lowered:
            result.remove(lowered.pop(note.lower()))
            budget -= 1
    for note in target.add_notes:
        note = note.strip()[:200]
        if budget and note and note.lower() not in lowered and len(result) < MAX_STYLE_NOTES:
            result.append(note)
            lowered[note.lower()] = note
            budget -= 1
    return result


def step_changes(old: dict[str, Any], new: dict[str, Any], bounds: StepBounds) -> list[dict[str, Any]]:
    """What moved, with its bound: [{path, old, new, delta, bound}] — the readable diff of a plan."""
    changes: list[dict[str, Any]] = []
    old_d, new_d = old["musical_defaults"], new["musical_defaults"]
    for name, bound in (("tempo_min", bounds.tempo_bpm), ("tempo_max", bounds.tempo_bpm), ("energy", bounds.energy)):
        if old_d.get(name) != new_d.get(name):
            delta = new_d[name] - old_d[name]
            changes.append(
                {
                    "path": f"musical_defaults.{name}",
                    "old": old_d[name],
                    "new": new_d[name],
                    "delta": delta,
                    "bound": bound,
                }
            )
    old_v, new_v = effective_valence(old_d), effective_valence(new_d)
    if old_d.get("valence") != new_d.get("valence"):
        changes.append(
            {
                "path": "musical_defaults.valence",
                "old": old_d.get("valence", None) if old_d.get("valence") is not None else round(old_v, 3),
                "new": new_v,
                "delta": new_v - old_v,
                "bound": bounds.valence,
            }
        )
    old_mix, new_mix = effective_genre_mix(old), effective_genre_mix(new)
    if old_mix != new_mix:
        changes.append(
            {
                "path": "genre_mix",
                "old": old_mix,
                "new": new_mix,
                "delta": total_variation(old_mix, new_mix),
                "bound": bounds.genre_mix_tv,
            }
        )
    if old.get("secondary_genres") != new.get("secondary_genres"):
        changes.append(
            {
                "path": "secondary_genres",
                "old": old.get("secondary_genres"),
                "new": new.get("secondary_genres"),
                "delta": None,
                "bound": "follows genre_mix",
            }
        )
    old_notes, new_notes = old.get("style_notes") or [], new.get("style_notes") or []
    if old_notes != new_notes:
        changed = len(set(old_notes) ^ set(new_notes))
        changes.append(
            {
                "path": "style_notes",
                "old": old_notes,
                "new": new_notes,
                "delta": changed,
                "bound": bounds.style_note_changes,
            }
        )
    return changes


def step_violations(old: dict[str, Any], new: dict[str, Any], bounds: StepBounds) -> list[str]:
    """Every way `new` is not one admissible step from `old`; empty when it is."""
    problems = [f"invalid profile: {error}" for error in profile_errors(new)]
    if problems:
        return problems
    old = ArtistProfile.model_validate(old).model_dump(mode="json")
    new = ArtistProfile.model_validate(new).model_dump(mode="json")
    for name in IDENTITY_CORE_FIELDS:
        if old[name] != new[name]:
            problems.append(f"{name} is identity-core and may not change")
    for name in set(old) | set(new):
        if name not in EVOLVABLE_FIELDS and name not in IDENTITY_CORE_FIELDS and old.get(name) != new.get(name):
            problems.append(f"{name} may not change in an evolution step")
    old_d, new_d = old["musical_defaults"], new["musical_defaults"]
    for name in set(old_d) | set(new_d):
        if name not in EVOLVABLE_DEFAULTS and old_d.get(name) != new_d.get(name):
            problems.append(f"musical_defaults.{name} may not change in an evolution step")
    for name in ("tempo_min", "tempo_max"):
        if abs(new_d[name] - old_d[name]) > bounds.tempo_bpm:
            problems.append(
                f"musical_defaults.{name} moved {new_d[name] - old_d[name]:+d} BPM (bound {bounds.tempo_bpm})"
            )
    if abs(new_d["energy"] - old_d["energy"]) > bounds.energy + 1e-9:
        problems.append(f"energy moved {new_d['energy'] - old_d['energy']:+.3f} (bound {bounds.energy})")
    valence_move = effective_valence(new_d) - effective_valence(old_d)
    if abs(valence_move) > bounds.valence + 1e-9:
        problems.append(f"valence moved {valence_move:+.3f} (bound {bounds.valence})")
    old_mix, new_mix = effective_genre_mix(old), effective_genre_mix(new)
    distance = total_variation(old_mix, new_mix)
    if distance > bounds.genre_mix_tv + 1e-9:
        problems.append(f"genre mix moved {distance:.3f} in total variation (bound {bounds.genre_mix_tv})")
    primary = new["primary_genre"].lower()
    if new_mix.get(primary, 0.0) < PRIMARY_GENRE_MIN_SHARE - 1e-9:
        problems.append(f"the primary genre keeps at least {PRIMARY_GENRE_MIN_SHARE:.0%} of the mix")
    mix_touched = old["genre_mix"] != new["genre_mix"] or old["secondary_genres"] != new["secondary_genres"]
    if mix_touched and new["genre_mix"] and new["secondary_genres"] != mix_secondaries(new_mix, primary):
        problems.append("secondary_genres must follow the genre mix")
    notes_changed = len(set(old["style_notes"]) ^ set(new["style_notes"]))
    if notes_changed > bounds.style_note_changes:
        problems.append(f"{notes_changed} style notes changed (bound {bounds.style_note_changes})")
    return problems
