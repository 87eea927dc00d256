"""Reflection: the LLM `reflection` role proposes small style-note edits from recent reviews.

The answer is a patch, not a profile: at most a few notes added or removed. It is then bounded
and validated like any other plan step (evolution.bounds), so a model that answers too much
cannot move the artist further than the bounds allow. The embedded `local` provider answers
the same request offline from the same evidence (llm/providers/local/reflection.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field

from artists.models import Artist
from kernel.errors import ApplicationError
from llm.router import complete

EVIDENCE_MARK = "Evidence (JSON):"


class ReflectionPatch(BaseModel):
    """What the reflection role answers: edits to the style notes, and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    add_notes: list[str] = Field(default_factory=list, max_length=3, description="New notes, each under 200 characters")
    remove_notes: list[str] = Field(default_factory=list, max_length=3, description="Existing notes to drop, verbatim")
    rationale: str = Field(min_length=3, max_length=600, description="Which comments led to the edits")


def reflection_messages(*, artist: Artist, profile: dict[str, Any], reviews: dict[str, Any]) -> list[dict[str, str]]:
    evidence = {
        "artist": artist.name,
        "primary_genre": profile["primary_genre"],
        "style_notes": profile.get("style_notes", []),
        "max_changes": settings.EVOLUTION_MAX_STYLE_NOTE_CHANGES,
        "approved": reviews["approved"],
        "rejected": reviews["rejected"],
        "approval_comments": reviews["approval_comments"],
        "rejection_comments": reviews["rejection_comments"],
        "approved_means": reviews["approved_means"],
        "rejected_means": reviews["rejected_means"],
    }
    instructions = (
        "From the reviewers' comments below, propose at most "
        f"{settings.EVOLUTION_MAX_STYLE_NOTE_CHANGES} edits to the artist's style notes: short, concrete "
        "production or writing notes to add, or existing notes (quoted exactly) to remove. Do not touch the "
        "persona, the primary genre or the voice. Answer with add_notes, remove_notes and a one-sentence rationale."
    )
    return [
        {"role": "user", "content": f"{instructions}\n\n{EVIDENCE_MARK}\n{json.dumps(evidence, ensure_ascii=False)}"}
    ]


def reflect_on_reviews(*, artist: Artist, profile: dict[str, Any], reviews: dict[str, Any]) -> dict[str, Any]:
    """{add_notes, remove_notes, rationale, provider, model, template_version} or {error}; {} with nothing to learn."""
    if not reviews["approval_comments"] and not reviews["rejection_comments"]:
        return {}
    try:
        completion = complete(
            role="reflection",
            template="reflection",
            schema=ReflectionPatch,
            messages=reflection_messages(artist=artist, profile=profile, reviews=reviews),
            subject=artist,
            chain=artist.llm_overrides.chains.get("reflection"),
        )
    except ApplicationError as exc:
        return {"error": exc.message}
    patch: ReflectionPatch = completion.parsed
    existing = set(profile.get("style_notes", []))
    return {
        "add_notes": [note[:200] for note in patch.add_notes if note and note not in existing],
        "remove_notes": [note for note in patch.remove_notes if note in existing],
        "rationale": patch.rationale,
        "provider": completion.provider,
        "model": completion.model,
        "template_version": completion.template_version,
    }
