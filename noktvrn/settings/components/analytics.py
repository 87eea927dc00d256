"""Settings for the analytics area, read from the environment (see .env.example)."""

from __future__ import annotations
