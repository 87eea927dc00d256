"""Markets services: the only code that changes chart, profile, trend, alert and forecast rows."""
