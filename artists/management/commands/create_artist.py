"""`manage.py create_artist --brief "dark synthwave duo from Berlin" [--genre G] [--country DE] [--json]`."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from artists.creation import artist_create_from_brief
from kernel.errors import ApplicationError


class Command(BaseCommand):
    help = "Create a virtual artist from a one-line brief through the LLM chains (offline: the local provider)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--brief", required=True, help="One sentence describing the artist.")
        parser.add_argument("--genre", default=None, help="Primary genre (the author chooses when omitted).")
        parser.add_argument(
            "--country", action="append", default=[], help="Target country, ISO 3166-1 alpha-2; repeatable."
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object: id, slug, name.")

    def handle(self, *args, **options) -> None:
        countries = [code for value in options["country"] for code in value.split(",") if code.strip()]
        try:
            artist = artist_create_from_brief(brief=options["brief"], genre=options["genre"], countries=countries)
        except ApplicationError as exc:  # bad input, LLM configuration errors, no provider answering
            detail = f" {json.dumps(exc.extra, ensure_ascii=False)}" if exc.extra else ""
            raise CommandError(f"{exc.message}{detail}") from exc
        if options["json"]:
            self.stdout.write(
                json.dumps({"id": artist.pk, "slug": artist.slug, "name": artist.name}, ensure_ascii=False)
            )
            return
        report = artist.creation_report
        self.stdout.write(self.style.SUCCESS(f"Created {artist.name} (id {artist.pk}, slug {artist.slug})"))
        self.stdout.write(f"  genre: {artist.primary_genre}; countries: {', '.join(artist.countries)}")
        self.stdout.write(f"  persona: {artist.profile['persona']}")
        for step in report.steps:
            via = f" via {step['provider']}:{step['model']}" if step.get("provider") else ""
            self.stdout.write(f"  step {step['step']}: {step['outcome']}{via}")
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"  warning: {warning}"))
