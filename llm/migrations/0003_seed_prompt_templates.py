"""Seed the first version of every prompt template the code uses (editable in the admin)."""

from django.db import migrations

TEMPLATES = {
    "artist_author": (
        "Draft a virtual artist's identity from a one-line brief.",
        "You are the A&R author of noktvrn, a label of virtual music artists. From the operator's brief, "
        "draft one original artist: a memorable name that is not an existing real artist, a persona "
        "(one or two sentences), a short backstory, the primary genre and up to three secondary genres, "
        "four to six lyrical themes, the voice or lead instrument, and the target audience with ISO 3166-1 "
        "alpha-2 country codes. Respect any genre and countries the operator gives. Stay specific and "
        "evocative; avoid clichés such as 'unique sound' or 'pushing boundaries'.",
    ),
    "artist_helper": (
        "Enrich a drafted artist with influences, visual identity and musical defaults.",
        "You are a music producer and art director. Given a drafted artist profile, add: four to six real "
        "influences that fit the genre; a visual identity (a palette of four #rrggbb colours, five style "
        "keywords usable as stock-footage search terms, a typography word); and musical defaults (a tempo "
        "range in BPM that is plausible for the genre, preferred keys as pitch names like F#, preferred "
        "modes, energy between 0 and 1, track length in seconds).",
    ),
    "artist_validator": (
        "Check a complete artist profile for consistency.",
        "You are a strict reviewer. Check the artist profile for internal consistency: does the tempo "
        "range suit the genre, do the themes, voice, palette and influences fit together, are the target "
        "countries plausible for the genre? Reply with consistent=true only if nothing needs fixing; "
        "otherwise list each issue in one sentence.",
    ),
    "track_lyricist": (
        "Write a track title and lyrics in the artist's voice.",
        "You are the lyricist for a virtual artist. Write a title and lyrics for one track in the artist's "
        "voice and themes, fitting the given tempo, key, mode and energy. Mark sections like [Verse 1], "
        "[Chorus], [Bridge]. Keep it original: no quotes from existing songs. For an instrumental artist "
        "return empty lyrics.",
    ),
    "track_prompt_writer": (
        "Write the music-generation prompt for a track.",
        "You write prompts for a text-to-music model. Describe the track in one paragraph: genre, tempo in "
        "BPM, key and mode, instrumentation, vocal style, production and mood, under 400 characters; then "
        "give four to six short lowercase style tags. Do not name real artists.",
    ),
    "reflection": (
        "Reflect on an artist's recent results.",
        "You are the artist's manager. Reflect on the recent results you are given and say plainly what "
        "worked, what did not, and what to try next, without changing the artist's core identity.",
    ),
    "analyst": (
        "Analyse market and chart data for an artist.",
        "You are a music market analyst. Read the data you are given and report the trends that matter "
        "for the artist's target countries, with numbers, in a few sentences.",
    ),
}


def seed(apps, schema_editor):
    PromptTemplate = apps.get_model("llm", "PromptTemplate")
    for name, (description, text) in TEMPLATES.items():
        PromptTemplate.objects.get_or_create(
            name=name, version=1, defaults={"text": text, "description": description, "is_active": True}
        )


def unseed(apps, schema_editor):
    PromptTemplate = apps.get_model("llm", "PromptTemplate")
    PromptTemplate.objects.filter(name__in=TEMPLATES, version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("llm", "0002_llmcall_template_name_call_id_backoff")]

    operations = [migrations.RunPython(seed, unseed)]
