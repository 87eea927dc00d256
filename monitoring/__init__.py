"""Monitoring: Prometheus metrics, error groups, provider health checks, the weekly report.

Reads every app; no app imports it. Apps report failures through `kernel.monitoring`.
"""
