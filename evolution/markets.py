"""The one door to the markets app: current country profiles as MarketSnapshots.

Everything evolution knows about markets goes through `markets.selectors.country_profile_current`
(the markets app's stable interface). Until that selector exists in a deployment, no market
profile is known and compatibility is reported as unknown rather than guessed.
"""

from __future__ import annotations

from evolution.compatibility import FEATURES, MarketSnapshot

try:
    from markets.selectors import country_profile_current
except ImportError:  # the markets selectors have not landed in this build
    country_profile_current = None


def market_snapshots(countries: list[str], genre: str | None = None) -> dict[str, MarketSnapshot]:
    """The latest weekly profile of each country that has one.

    Features come from the country's profile for the artist's genre when one was built (a lo-fi
    artist is compared with lo-fi listeners, not with the whole chart), else from the all-genre
    profile; genre shares always come from the all-genre profile.
    """
    if country_profile_current is None:
        return {}
    snapshots = {}
    for country in countries:
        profile = country_profile_current(country)
        if profile is None:
            continue
        genre_profile = country_profile_current(country, genre=genre) if genre else None
        features = {
            name: (stat.mean, stat.std)
            for name, stat in (genre_profile or profile).features.items()
            if name in FEATURES and stat.n > 0
        }
        snapshots[country] = MarketSnapshot(
            country=country,
            features=features,
            genre_shares={genre: share for genre, share in profile.genre_shares.items() if genre},
            label=f"{profile.period} of {profile.period_start.isoformat()}",
        )
    return snapshots
