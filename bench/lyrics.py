"""Lyrics variety of the embedded writer: how often a line pattern recurs across 100 songs.

Asks the local provider (as the pipeline's lyricist does, through its schema) for N songs from
artists with different genres, themes, languages and run seeds, then measures, per song (a
chorus repeated inside one song counts once):

- exact lines: the largest share of songs that contain one same line;
- line patterns: the largest share of songs that contain one same run of four words (any
  4-gram not made only of function words) — a fixed phrase such as "half of me is" shows here
  even when the words around it change;
- titles: how many distinct titles.

The issue's bar: no line pattern in more than 10% of 100 songs. Usage:

    .venv/bin/python bench/lyrics.py [--songs 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import BaseModel, Field  # noqa: E402

from llm.providers.local import LocalProvider  # noqa: E402
from llm.types import ProviderRequest  # noqa: E402

# Function words of the three lyric languages: a 4-gram made only of these is grammar, not a pattern.
STOP = set(
    re.findall(
        r"\S+",
        "a an the and or but of to in on at by for with from into over under my your our their his her its "
        "i you we they she he it me us them is are was were be been am do did not no so as that this all "
        "up out el la los las un una y o de del en con por para mi tu su nuestro nuestra me te se que es "
        "os as um uma e do da em no na com meu minha teu tua nosso nossa",
    )
)
GENRES = ("synthwave", "fado", "reggaeton", "folk", "techno", "k-pop", "hip-hop", "bossa nova", "pop", "country")
THEMES = (
    "night drives, neon rain",
    "saudade, the sea",
    "summer heat, dancing close",
    "home, old roads",
    "machines, dawn",
    "first love, secrets",
    "ambition, loyalty",
    "afternoons, the tide",
    "heartbreak, new beginnings",
    "small towns, the highway",
)
LANGUAGES = ("en", "pt", "es", "en", "en", "en", "en", "pt", "en", "en")


class TrackLyrics(BaseModel):
    title: str = Field(min_length=1, max_length=120)
    lyrics: str = Field(default="", max_length=6000)


def write_songs(count: int) -> list[TrackLyrics]:
    provider, songs = LocalProvider(), []
    for i in range(count):
        k = i % len(GENRES)
        brief = (
            f"Artist: Bench {k}\nGenre: {GENRES[k]}\nThemes: {THEMES[k]}\nLanguage: {LANGUAGES[k]}\n"
            f"Instrumental: no\nVariation: {i}"
        )
        request = ProviderRequest(
            messages=[{"role": "user", "content": brief}],
            model="local",
            temperature=0.8,
            max_tokens=800,
            timeout=5,
            schema=TrackLyrics,
            json_schema=TrackLyrics.model_json_schema(),
            seed=1000 + i,
            role="lyricist",
        )
        songs.append(TrackLyrics.model_validate_json(provider.complete(request).text))
    return songs


def lines_of(song: TrackLyrics) -> list[str]:
    return [line.strip() for line in song.lyrics.splitlines() if line.strip() and not line.startswith("[")]


def words(line: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", line.lower())


def measure(songs: list[TrackLyrics]) -> dict:
    line_songs: Counter[str] = Counter()
    gram_songs: Counter[tuple[str, ...]] = Counter()
    for song in songs:
        lines = {" ".join(words(line)) for line in lines_of(song)}
        line_songs.update(lines)
        grams = set()
        for line in lines:
            w = line.split()
            grams.update(tuple(w[i : i + 4]) for i in range(len(w) - 3) if not set(w[i : i + 4]) <= STOP)
        gram_songs.update(grams)
    n = len(songs)
    top_line, top_line_count = line_songs.most_common(1)[0]
    top_gram, top_gram_count = gram_songs.most_common(1)[0] if gram_songs else ((), 0)
    return {
        "songs": n,
        "lines_per_song": round(sum(len(set(lines_of(s))) for s in songs) / n, 1),
        "max_exact_line_share": round(top_line_count / n, 3),
        "most_repeated_line": top_line,
        "max_pattern_share": round(top_gram_count / n, 3),
        "most_repeated_pattern": " ".join(top_gram),
        "distinct_titles": len({s.title.lower() for s in songs}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(write_songs(args.songs))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    for key, value in result.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
