"""The back office for generation: runs and batches, and the review area."""

from generation.admin import experiments, review, runs  # noqa: F401  (registers the model admins)
