"""Read queries over runs and batches, shaped for lists without N+1 queries."""

from django.db.models import QuerySet

from generation.models import GenerationRun


def run_list() -> QuerySet[GenerationRun]:
    return GenerationRun.objects.select_related(
        "artist", "batch", "track", "decision", "decision__actor", "track__features"
    )
