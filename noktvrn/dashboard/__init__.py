"""The staff home dashboard: panels contributed through one registry (see registry.py)."""
