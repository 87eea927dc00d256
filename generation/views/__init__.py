"""HTML views: the review queue (and the Telegram webhook) and the batch pages."""
