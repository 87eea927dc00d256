"""URL configurations, included by noktvrn/urls.py: review (at the site root) and batches."""
