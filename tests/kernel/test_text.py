"""The indefinite article rule, against a table written out by hand."""

from __future__ import annotations

import pytest

from kernel.text import fix_articles, indefinite_article
from releases.services.summary import summary_template


@pytest.mark.parametrize(
    ("word", "article"),
    [
        ("unhurried", "an"),
        ("ambient", "an"),
        ("synthwave", "a"),
        ("unicorn", "a"),
        ("hour", "an"),
        ("honest", "an"),
        ("one-off", "a"),
        ("80", "an"),
        ("110", "a"),
        ("18", "an"),
        ("MC", "an"),
        ("DJ", "a"),
        ("European", "a"),
    ],
)
def test_indefinite_article(word, article):
    assert indefinite_article(word) == article


def test_fix_articles_in_a_sentence():
    assert fix_articles("A unhurried ballad, an synth line and a hour of a ambient drone.") == (
        "An unhurried ballad, a synth line and an hour of an ambient drone."
    )


@pytest.mark.parametrize(
    ("facts", "start"),
    [
        ({"tempo": 80, "genre": "ambient"}, "Slow Tide is an 80 BPM ambient single"),
        ({"genre": "ambient"}, "Slow Tide is an ambient single"),
        ({"tempo": 120, "genre": "house"}, "Slow Tide is a 120 BPM house single"),
        ({}, "Slow Tide is a single single"),
    ],
)
def test_release_summary_template_grammar(facts, start):
    text = summary_template({"title": "Slow Tide", "artist": "Mira", "duration_seconds": 61, **facts})
    assert text.startswith(start)


@pytest.mark.parametrize(
    ("number", "article"), [("11000", "an"), ("1100", "a"), ("8", "an"), ("800", "an"), ("2", "a")]
)
def test_numbers_are_read_aloud(number, article):
    assert indefinite_article(number) == article
