"""Vendor clients for live charts and previews: Apple Music RSS, Deezer, Last.fm, iTunes Search.

None needs a paid key. Each speaks its vendor's documented JSON, validated with pydantic at
the edge; base URLs come from settings so tests and mirrors can point them elsewhere.
"""
