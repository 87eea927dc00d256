"""How well an artist's sound fits its target countries' current charts, and where the charts point.

Pure functions over plain data, so the live scores (markets app) and the market simulation
share one definition.

Compatibility of one country = 0.65 x feature fit + 0.35 x genre fit, where
- feature fit is the mean over tempo, energy and valence of exp(-z^2 / 2), z being the
  distance of the artist's value from the chart mean in chart standard deviations (a floor on
  the deviation keeps a very uniform chart from punishing tiny differences);
- genre fit is 1 - total-variation distance between the artist's genre mix and the chart's
  genre shares restricted to the genres the artist plays (so a niche artist is judged on
  how its own genres weigh against each other in that market, not on the size of pop).
The artist's score is the mean over its target countries that have a profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from artists.schemas import effective_genre_mix, effective_valence
from evolution.bounds import total_variation

FEATURE_WEIGHT, GENRE_WEIGHT = 0.65, 0.35
STD_FLOOR = {"tempo": 8.0, "energy": 0.05, "valence": 0.05}
FEATURES = tuple(STD_FLOOR)


@dataclass(frozen=True)
class MarketSnapshot:
    """A country's charts now: mean and spread per feature, share per genre."""

    country: str
    features: dict[str, tuple[float, float]]
    genre_shares: dict[str, float] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class CountryFit:
    country: str
    score: float
    feature_fit: float
    genre_fit: float | None
    z: dict[str, float]


def artist_sound(profile: dict[str, Any]) -> dict[str, float]:
    """The artist's expected feature values from its profile."""
    defaults = profile["musical_defaults"]
    return {
        "tempo": (defaults["tempo_min"] + defaults["tempo_max"]) / 2,
        "energy": float(defaults["energy"]),
        "valence": effective_valence(defaults),
    }


def _genre_fit(mix: dict[str, float], shares: dict[str, float]) -> float | None:
    relevant = {genre: shares.get(genre, 0.0) for genre in mix}
    total = sum(relevant.values())
    if total <= 0:
        return None
    return 1.0 - total_variation(mix, {genre: share / total for genre, share in relevant.items()})


def country_fit(profile: dict[str, Any], market: MarketSnapshot) -> CountryFit:
    sound = artist_sound(profile)
    z, fits = {}, []
    for name in FEATURES:
        if name not in market.features:
            continue
        mean, std = market.features[name]
        z[name] = round((sound[name] - mean) / max(std, STD_FLOOR[name]), 3)
        fits.append(math.exp(-0.5 * z[name] ** 2))
    feature_fit = sum(fits) / len(fits) if fits else 0.0
    genre_fit = _genre_fit(effective_genre_mix(profile), market.genre_shares)
    score = feature_fit if genre_fit is None else FEATURE_WEIGHT * feature_fit + GENRE_WEIGHT * genre_fit
    return CountryFit(market.country, round(score, 4), round(feature_fit, 4), genre_fit and round(genre_fit, 4), z)


def compatibility(profile: dict[str, Any], markets: dict[str, MarketSnapshot]) -> tuple[float | None, list[CountryFit]]:
    """The artist's score over its target countries with a market profile (None when none has one)."""
    countries = profile["target_audience"]["countries"]
    fits = [country_fit(profile, markets[country]) for country in countries if country in markets]
    if not fits:
        return None, []
    return round(sum(fit.score for fit in fits) / len(fits), 4), fits


def explain(score: float | None, fits: list[CountryFit], countries: list[str]) -> str:
    if score is None:
        return f"No current market profile for {', '.join(countries)}: compatibility unknown."
    worst = min(fits, key=lambda fit: fit.score)
    far = max(worst.z.items(), key=lambda item: abs(item[1]), default=None)
    detail = f"; furthest: {far[0]} {far[1]:+.1f} sd in {worst.country}" if far else ""
    parts = ", ".join(f"{fit.country} {fit.score:.2f}" for fit in fits)
    return f"Compatibility {score:.2f} over {len(fits)} market(s) ({parts}){detail}."


def market_target(profile: dict[str, Any], markets: dict[str, MarketSnapshot]) -> dict[str, Any] | None:
    """Where the target countries' charts are, averaged: feature means, and the market's shares of
    the genres the artist plays."""
    countries = [country for country in profile["target_audience"]["countries"] if country in markets]
    if not countries:
        return None
    target: dict[str, Any] = {}
    for name in FEATURES:
        values = [markets[c].features[name][0] for c in countries if name in markets[c].features]
        if values:
            target[name] = sum(values) / len(values)
    shares: dict[str, float] = {}
    for country in countries:
        for genre, share in markets[country].genre_shares.items():
            if genre:
                shares[genre.lower()] = shares.get(genre.lower(), 0.0) + share / len(countries)
    mix = effective_genre_mix(profile)
    # Reweight the genres the artist already plays by how their markets weigh them; new genres
    # are a decision for a person, not for a step.
    wanted = {genre: shares.get(genre, 0.0) for genre in mix}
    if sum(wanted.values()) > 0:
        target["genre_shares"] = wanted
    return target
