"""Operator pages that combine several apps (artist pages with their runs and releases).

They live in the composition root because `artists` must not know runs or releases; see
docs/architecture.md ("Operator pages").
"""
