"""django-q entry points for analytics (thin: ids in, a service call)."""

from __future__ import annotations

from analytics.services import analysis_job_run, analysis_jobs_sweep


def run_analysis_job(job_id: int) -> str | None:
    """Analyse one uploaded file; returns the job's final status (None when it was not queued)."""
    job = analysis_job_run(job_id=job_id)
    return job.status if job else None


def sweep_analysis_jobs() -> dict[str, int]:
    """Fail jobs whose worker died, re-queue lost ones, remove leftover temporary files."""
    return analysis_jobs_sweep()
