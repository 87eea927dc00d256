"""Template filters of the release pages: QC values and limits as people read them."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

# Unit of each QC check's value and limit (releases/services/qc.py names them).
QC_UNITS = {
    "duration": "s",
    "source_sample_rate": "Hz",
    "master_sample_rate": "Hz",
    "silence_start": "s",
    "silence_end": "s",
    "loudness": "LUFS",
    "true_peak": "dBTP",
    "cover_dimensions": "px",
    "cover_size": "bytes",
    "master_channels": "channels",
}


def _number(value: float, unit: str) -> str:
    if unit == "bytes":
        return f"{value / 1e6:.1f} MB"
    if unit == "Hz":
        return f"{value / 1000:g} kHz"
    text = f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value}"
    return text.replace("-", "−")


@register.filter
def qc_value(value: Any, name: str = "") -> str:
    """A measured value: numbers with their unit, dimensions as W × H, lists as readable text."""
    if value is None or value == "" or value == []:
        return "—"
    unit = QC_UNITS.get(name, "")
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        text = _number(value, unit)
        return text if unit in ("", "bytes", "Hz") else f"{text} {unit}"
    if isinstance(value, list):
        if name == "cover_dimensions" and len(value) == 2:
            return f"{value[0]} × {value[1]} px"
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {item}" for key, item in value.items())
    return str(value)


@register.filter
def qc_limit(limit: Any, name: str = "") -> str:
    """A limit: a [low, high] pair reads as a range, anything else like a value."""
    if isinstance(limit, list) and len(limit) == 2 and all(isinstance(x, (int, float)) for x in limit):
        if name == "cover_dimensions":
            return f"{limit[0]} × {limit[1]} px"
        unit = QC_UNITS.get(name, "")
        low, high = _number(limit[0], unit), _number(limit[1], unit)
        return f"{low} to {high}" + (f" {unit}" if unit not in ("", "bytes", "Hz") else "")
    return "" if limit is None else qc_value(limit, name)
