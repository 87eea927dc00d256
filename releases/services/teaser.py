"""The 9:16 teaser for social platforms: cover, title, a progress bar and the loudest part.

Encoded with PyAV (H.264 + AAC in MP4). The picture is mostly static, so a low frame
rate keeps encoding cheap without looking different.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from generation.providers.cover import text_font
from releases.services.audio import MASTER_SAMPLE_RATE

_AUDIO_CHUNK = 1024
_FADE_SECONDS = 0.5


@dataclass(frozen=True)
class TeaserWindow:
    start: float
    duration: float
    source: str  # "analysis" (from the stored sections) or "energy" (windowed RMS)


def teaser_window(
    *,
    duration: float,
    sections: list[dict] | None,
    loudest_start: float | None,
    min_seconds: float,
    max_seconds: float,
) -> TeaserWindow:
    """15-30 s around the most energetic section; the whole track when it is shorter."""
    length = min(duration, max_seconds)
    best = max(sections or [], key=lambda s: float(s.get("energy") or 0.0), default=None)
    if best is not None and float(best["end"]) > float(best["start"]):
        span = float(best["end"]) - float(best["start"])
        length = min(duration, max(min_seconds, min(span, max_seconds)))
        start = float(best["start"]) + (span - length) / 2
        source = "analysis"
    else:
        start = loudest_start or 0.0
        length = min(duration, max(min_seconds, length))
        source = "energy"
    start = max(0.0, min(start, duration - length))
    return TeaserWindow(start=round(start, 2), duration=round(length, 2), source=source)


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A font with the glyphs names and titles need ("KØLD FRONT", "Lua Maré"): the covers' own lookup."""
    return text_font(size)


def _fit_text(draw: ImageDraw.ImageDraw, text: str, max_width: int, size: int) -> ImageFont.ImageFont:
    while size > 16:
        font = _font(size)
        if draw.textlength(text, font=font) <= max_width:
            return font
        size -= 4
    return _font(size)


def _poster(cover: Image.Image, *, width: int, height: int, title: str, artist: str) -> Image.Image:
    """Blurred cover filling the frame, the sharp cover in the middle, title and artist below."""
    cover = cover.convert("RGB")
    background = cover.resize((height, height)).crop(((height - width) // 2, 0, (height + width) // 2, height))
    background = background.filter(ImageFilter.GaussianBlur(radius=width // 30))
    background = Image.blend(background, Image.new("RGB", background.size, (0, 0, 0)), 0.45)
    side = int(width * 0.84)
    top = int(height * 0.22)
    background.paste(cover.resize((side, side), Image.Resampling.LANCZOS), ((width - side) // 2, top))
    draw = ImageDraw.Draw(background)
    margin = (width - side) // 2
    title_font = _fit_text(draw, title, side, width // 12)
    artist_font = _fit_text(draw, artist, side, width // 18)
    text_top = top + side + height // 30
    draw.text((width // 2, text_top), title, font=title_font, fill=(255, 255, 255), anchor="ma")
    draw.text((width // 2, text_top + width // 9), artist, font=artist_font, fill=(220, 220, 220), anchor="ma")
    draw.rectangle((margin, height - height // 12, width - margin, height - height // 12 + 6), fill=(90, 90, 90))
    return background


def teaser_render(
    *,
    audio: np.ndarray,
    window: TeaserWindow,
    cover: Image.Image,
    title: str,
    artist: str,
    out_path: Path,
    width: int,
    fps: int,
) -> None:
    """Write the MP4: `audio` is the 44.1 kHz stereo master, cut to `window` with short fades."""
    width -= width % 2
    height = (width * 16 // 9) // 2 * 2
    poster = np.asarray(_poster(cover, width=width, height=height, title=title, artist=artist)).copy()
    start = int(window.start * MASTER_SAMPLE_RATE)
    clip = audio[start : start + int(window.duration * MASTER_SAMPLE_RATE)].astype(np.float32)
    fade = min(int(_FADE_SECONDS * MASTER_SAMPLE_RATE), clip.shape[0] // 2)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)[:, None]
        clip[:fade] *= ramp
        clip[-fade:] *= ramp[::-1]

    margin = (width - int(width * 0.84)) // 2
    bar_top = height - height // 12
    frames = max(1, int(round(window.duration * fps)))
    with av.open(str(out_path), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "23", "tune": "stillimage"}
        sound = container.add_stream("aac", rate=MASTER_SAMPLE_RATE, layout="stereo")
        for index in range(frames):
            done = margin + int((width - 2 * margin) * (index + 1) / frames)
            poster[bar_top : bar_top + 6, margin:done] = (255, 255, 255)
            frame = av.VideoFrame.from_ndarray(poster, format="rgb24")
            frame.pts = index
            for packet in video.encode(frame):
                container.mux(packet)
        for packet in video.encode():
            container.mux(packet)
        for offset in range(0, clip.shape[0], _AUDIO_CHUNK):
            chunk = np.ascontiguousarray(clip[offset : offset + _AUDIO_CHUNK].T)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = MASTER_SAMPLE_RATE
            frame.pts = offset
            for packet in sound.encode(frame):
                container.mux(packet)
        for packet in sound.encode():
            container.mux(packet)
