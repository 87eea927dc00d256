"""The embedded provider's reflection: style-note edits read from review comments, offline and deterministic.

The caller (evolution) sends the evidence as JSON after the line "Evidence (JSON):". This
module knows no domain app: it reads comments, counts the problems reviewers keep naming,
and answers with at most two note edits in the schema's field names (add_notes,
remove_notes, rationale). Same evidence, same answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel

EVIDENCE_MARK = "Evidence (JSON):"
FIELDS = {"add_notes", "remove_notes", "rationale"}

# (problem, words reviewers use for it, the note that answers it, the problem it is the opposite of)
CUES: list[tuple[str, tuple[str, ...], str, str]] = [
    (
        "too slow",
        ("too slow", "dragging", "drags", "sluggish", "plodding"),
        "Keep the groove moving: no dragging tempos",
        "too fast",
    ),
    ("too fast", ("too fast", "rushed", "frantic", "hurried"), "Let the groove breathe: ease off the rush", "too slow"),
    (
        "repetitive",
        ("repetitive", "monotonous", "boring", "goes nowhere", "same loop"),
        "Introduce a new element every eight bars",
        "",
    ),
    ("muddy", ("muddy", "boomy", "too much bass", "bass heavy", "muffled"), "Keep the low end tight and clean", ""),
    ("harsh", ("harsh", "shrill", "piercing", "too bright", "tinny"), "Soften the top end: no harsh highs", ""),
    (
        "crushed",
        ("too loud", "distorted", "clipping", "crushed", "brickwalled"),
        "Leave headroom: no crushed, distorted mixes",
        "",
    ),
    (
        "flat",
        ("no energy", "lifeless", "flat", "weak drop", "underwhelming"),
        "Give the drop more punch and contrast",
        "too intense",
    ),
    (
        "too intense",
        ("too intense", "aggressive", "overwhelming", "too much energy"),
        "Pull back the intensity: more space between hits",
        "flat",
    ),
    (
        "cliched lyrics",
        ("cheesy", "cliché", "cliche", "corny", "lyrics are generic"),
        "Keep lyrics concrete: images, not clichés",
        "",
    ),
    (
        "too dark",
        ("too dark", "gloomy", "depressing", "too sad"),
        "Let some light in: brighter chords in the chorus",
        "too happy",
    ),
    (
        "too happy",
        ("too happy", "cheerful", "too sweet", "saccharine"),
        "Keep an edge: minor colour under the hook",
        "too dark",
    ),
    (
        "generic",
        ("generic", "derivative", "sounds like everything", "forgettable"),
        "Lead with the artist's signature sound, not genre stock",
        "",
    ),
]


def _evidence(messages: list[dict[str, str]]) -> dict[str, Any] | None:
    for message in reversed(messages):
        content = message.get("content", "")
        if EVIDENCE_MARK in content:
            try:
                return json.loads(content.split(EVIDENCE_MARK, 1)[1])
            except json.JSONDecodeError:
                return None
    return None


def _counts(comments: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for comment in comments:
        text = comment.lower()
        for name, words, _, _ in CUES:
            if any(re.search(rf"\b{re.escape(word)}\b", text) for word in words):
                counts[name] = counts.get(name, 0) + 1
    return counts


def reflection_answer(messages: list[dict[str, str]], schema: type[BaseModel]) -> str | None:
    """JSON for `schema` when it is a reflection patch and the messages carry evidence; else None."""
    if not set(schema.model_fields) >= FIELDS:
        return None
    evidence = _evidence(messages)
    if evidence is None:
        return None
    notes = [str(note) for note in evidence.get("style_notes", [])]
    budget = int(evidence.get("max_changes", 2))
    rejected = [str(c) for c in evidence.get("rejection_comments", [])]
    approved = [str(c) for c in evidence.get("approval_comments", [])]
    problems = _counts(rejected)
    praised = _counts(approved)
    by_name = {name: (note, opposite) for name, _, note, opposite in CUES}
    ranked = sorted(problems.items(), key=lambda item: (-item[1], item[0]))
    remove, add, reasons = [], [], []
    for name, count in ranked:
        note, opposite = by_name[name]
        against = problems.get(opposite, 0) if opposite else 0
        # Act on a clear pattern only: named at least twice, by at least 40% of the rejections,
        # and clearly more often than its opposite (reviewers split both ways is noise).
        if count < 2 or count < 0.4 * len(rejected) or count - against < 2:
            continue
        opposite_note = by_name[opposite][0] if opposite else None
        if opposite_note and opposite_note in notes and len(remove) + len(add) < budget:
            remove.append(opposite_note)  # the earlier fix went too far the other way
            reasons.append(f"dropping “{opposite_note}”: reviewers now say '{name}'")
        if note not in notes and len(remove) + len(add) < budget:
            add.append(note)
            reasons.append(f"{count} of {len(rejected)} rejection comments say '{name}'")
    if praised:
        best = max(praised.items(), key=lambda item: (item[1], item[0]))
        reasons.append(f"approvals mention '{best[0]}' {best[1]} time(s)")
    if not add and not remove:
        rationale = (
            f"The {len(rejected)} rejection comment(s) name no recurring problem; the style notes stay as they are."
            if rejected
            else "No rejection comments to learn from; the style notes stay as they are."
        )
    else:
        joined = "; ".join(reasons)
        rationale = joined[:1].upper() + joined[1:] + "."
    answer = {"add_notes": add, "remove_notes": remove, "rationale": rationale[:600]}
    try:
        return schema.model_validate(answer).model_dump_json()
    except ValueError:
        return None  # a schema with the same field names but other limits: let the generic writer answer
