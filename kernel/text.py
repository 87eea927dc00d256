"""English text rules shared by every writer of prose: the offline LLM and the release summary."""

from __future__ import annotations

import re

# Words whose spelling misleads: "a unicorn", "a one-off", "an hour", "an honest".
_A_BEFORE = ("uni", "use", "usu", "uti", "ufo", "eu", "one", "once", "ewe", "uk", "ura", "ure", "uro")
_AN_BEFORE = ("hour", "honest", "honour", "honor", "heir", "herb")
_ARTICLE = re.compile(r"\b([Aa])(n?) ([\w'’&-]+)")


def wants_an(word: str) -> bool:
    """Does `word` start with a vowel sound? ("an unhurried", "a unicorn", "an hour", "an MC", "an 808")."""
    lower = word.lower()
    if lower.startswith(_AN_BEFORE):
        return True
    if word[:1].isdigit():
        digits = re.match(r"\d+", word.replace(",", "")).group()
        lead = digits[: len(digits) % 3 or 3]  # the group read first: 11 in 11000, 110 in 110
        return lead.startswith("8") or lead in ("11", "18")
    if len(word) <= 4 and word.isupper() and word.isalpha():
        return word[0] in "AEFHILMNORSX"  # letters whose names start with a vowel sound
    if lower.startswith(_A_BEFORE):
        return False
    return lower[:1] in "aeiou"


def indefinite_article(word: str) -> str:
    """ "a" or "an" for the word that follows it."""
    return "an" if wants_an(word) else "a"


def fix_articles(text: str) -> str:
    """Each English indefinite article agrees with the sound of the next word."""

    def agree(match: re.Match[str]) -> str:
        article, word = match.group(1), match.group(3)
        return f"{article}{'n' if wants_an(word) else ''} {word}"

    return _ARTICLE.sub(agree, text)
