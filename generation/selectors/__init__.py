"""Read queries used by the views and the API, one module per concern (review, batches)."""
