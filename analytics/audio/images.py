"""Pictures for the review page: a waveform and a mel spectrogram, drawn with numpy and Pillow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

# Anchor colours of a dark-to-bright perceptual ramp (close to matplotlib's "magma").
_RAMP = np.array(
    [
        [0, 0, 4],
        [40, 11, 84],
        [101, 21, 110],
        [159, 42, 99],
        [212, 72, 66],
        [245, 125, 21],
        [250, 193, 39],
        [252, 253, 191],
    ],
    dtype=float,
)
_SECTION_COLOURS = {
    "intro": (90, 110, 140),
    "verse": (70, 140, 200),
    "chorus": (236, 72, 153),
    "bridge": (250, 190, 60),
    "outro": (90, 110, 140),
}


def _colormap(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] to RGB bytes along the ramp."""
    positions = np.clip(values, 0, 1) * (len(_RAMP) - 1)
    low = np.floor(positions).astype(int)
    high = np.minimum(low + 1, len(_RAMP) - 1)
    frac = (positions - low)[..., None]
    return (_RAMP[low] * (1 - frac) + _RAMP[high] * frac).astype(np.uint8)


def render_waveform(y: np.ndarray, out: Path, *, width: int = 1200, height: int = 200, sections=()) -> Path:
    """Min/max envelope per pixel column, with section boundaries as a coloured strip."""
    image = Image.new("RGB", (width, height), (16, 18, 28))
    draw = ImageDraw.Draw(image)
    strip = 8
    middle = (height - strip) / 2
    if len(y):
        columns = np.array_split(y, width)
        peak = float(np.max(np.abs(y))) or 1.0
        for x, column in enumerate(columns):
            if column.size == 0:
                continue
            top = middle - float(column.max()) / peak * (middle - 4)
            bottom = middle - float(column.min()) / peak * (middle - 4)
            draw.line([(x, top), (x, bottom)], fill=(94, 234, 212))
    duration = sections[-1].end if sections else 0
    for section in sections:
        x0, x1 = int(section.start / duration * width), int(section.end / duration * width)
        draw.rectangle([x0, height - strip, max(x0, x1 - 1), height], fill=_SECTION_COLOURS.get(section.label))
    image.save(out, format="PNG", optimize=True)
    return out


def render_spectrogram(mel_power: np.ndarray, out: Path, *, width: int = 1200, height: int = 256) -> Path:
    """Log-mel spectrogram, low frequencies at the bottom, 80 dB of range."""
    if mel_power.size == 0:
        Image.new("RGB", (width, height)).save(out, format="PNG")
        return out
    db = 10 * np.log10(np.maximum(mel_power, 1e-10))
    columns = np.array_split(np.arange(db.shape[0]), min(width, db.shape[0]))
    pooled = np.stack([db[idx].max(axis=0) for idx in columns], axis=1)  # mels x columns
    top = pooled.max()
    scaled = (pooled - (top - 80.0)) / 80.0
    rgb = _colormap(scaled[::-1])
    image = Image.fromarray(rgb, mode="RGB").resize((width, height), Image.Resampling.BILINEAR)
    # No `optimize`: on a noisy spectrogram it triples the encoding time (0.4 s a track) for under 1% of size.
    image.save(out, format="PNG")
    return out
