"""The short press summary in metadata.json: written by the analyst LLM, or from a template."""

from __future__ import annotations

import json

from generation.models import GenerationRun
from kernel.errors import ApplicationError
from kernel.text import fix_articles, indefinite_article
from llm.router import complete
from releases.services.common import logger

_SYSTEM = (
    "You write the two-sentence summary a music distributor shows next to a new single. "
    "Use only the facts given; no hype words, no invented collaborators, no emojis."
)


def summary_template(facts: dict) -> str:
    """A plain, factual sentence built from the metadata; used when no LLM answers."""
    tempo = f"{float(facts['tempo']):.0f} BPM " if facts.get("tempo") else ""
    key = f" in {facts['key']} {facts.get('mode') or ''}".rstrip() if facts.get("key") else ""
    minutes, seconds = divmod(int(round(facts.get("duration_seconds") or 0)), 60)
    genre = facts.get("genre") or "single"
    peak = float(facts.get("peak_at") or 0)
    return (
        f"{facts['title']} is {indefinite_article(f'{tempo}{genre}')} {tempo}{genre} single by {facts['artist']}{key}, "
        f"{minutes}:{seconds:02d} long. "
        f"Its most energetic passage starts at {int(peak) // 60}:{int(peak) % 60:02d}."
    )


def release_summary(*, run: GenerationRun, facts: dict) -> tuple[str, str]:
    """(summary, source): source is "llm:<provider>/<model>" or "template"."""
    try:
        completion = complete(
            role="analyst",
            messages=[
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": json.dumps(facts, ensure_ascii=False)},
            ],
            temperature=0.4,
            max_tokens=200,
            subject=run,
        )
    except ApplicationError:  # no provider answered: a summary is not worth failing a release over
        logger.warning("release summary: the analyst LLM failed for run %s; using the template", run.pk, exc_info=True)
        return summary_template(facts), "template"
    text = fix_articles((completion.text or "").strip())
    if not text:
        return summary_template(facts), "template"
    return text, f"llm:{completion.provider}/{completion.model}"
