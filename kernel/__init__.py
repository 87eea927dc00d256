"""The kernel: small shared pieces every app may use; it imports no app of ours.

errors, admin widgets, the health registry, environment reading, actors and music facts.
"""
