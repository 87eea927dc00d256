"""The embedded video provider: an audio-reactive spectrum visualizer rendered to H.264/AAC MP4.

Frames are drawn straight into YUV 4:2:0 planes with numpy slices: the background (palette
gradient, glow, title and artist) is prepared once and stays still, so x264 spends its time
only where the bars move; each frame copies it and paints its bars, whose height follows the
spectrum and whose brightness follows the loudness. Rendering runs several times faster than
real time.
"""

from __future__ import annotations

import math
import random
import threading
from pathlib import Path

import av
import numpy as np
from django.conf import settings
from PIL import Image
from scipy import fft as sp_fft

from ..audio import SR, read_audio
from ..cover import _fit, _hex, _luminance, _text_layer
from ..errors import ProviderError
from .base import VideoRequest, VideoResult, frame_size

PULSE_LEVELS = 6
FFT_SIZE = 4096


def _yuv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """BT.601 limited-range Y, U, V planes (U and V at half resolution) of an RGB uint8 image."""
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24").reformat(format="yuv420p")
    flat = frame.to_ndarray().reshape(-1)
    h, w = rgb.shape[:2]
    y = flat[: h * w].reshape(h, w).copy()
    u = flat[h * w : h * w * 5 // 4].reshape(h // 2, w // 2).copy()
    v = flat[h * w * 5 // 4 :].reshape(h // 2, w // 2).copy()
    return y, u, v


def _colour_yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """One colour in BT.601 limited range (the same conversion swscale applies to the background)."""
    r, g, b = (c / 255 for c in rgb)
    y = 16 + 65.481 * r + 128.553 * g + 24.966 * b
    u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
    v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
    return tuple(int(round(min(255, max(0, c)))) for c in (y, u, v))


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(int(round(x * (1 - t) + y * t)) for x, y in zip(a, b, strict=True))


def _bands(audio: np.ndarray, n_frames: int, fps: int, n_bars: int) -> tuple[np.ndarray, np.ndarray]:
    """Per video frame: bar heights in [0, 1] (log-spaced bands, dB scale) and a loudness level."""
    mono = audio.mean(axis=1).astype(np.float32)
    padded = np.pad(mono, (FFT_SIZE, FFT_SIZE))
    centres = (np.arange(n_frames) * SR / fps).astype(np.int64) + FFT_SIZE
    offsets = np.arange(-FFT_SIZE // 2, FFT_SIZE // 2)
    window = np.hanning(FFT_SIZE).astype(np.float32)
    freqs = np.fft.rfftfreq(FFT_SIZE, 1 / SR)
    edges = np.geomspace(45, 14000, n_bars + 1)
    starts = np.searchsorted(freqs, edges[:-1])
    ends = np.maximum(np.searchsorted(freqs, edges[1:]), starts + 1)
    band = np.empty((n_frames, n_bars), dtype=np.float32)
    rms = np.empty(n_frames, dtype=np.float32)
    for first in range(0, n_frames, 256):  # in blocks, so a 10-minute track stays within a few MB
        index = np.clip(centres[first : first + 256, None] + offsets[None, :], 0, len(padded) - 1)
        frames = padded[index]
        rms[first : first + len(frames)] = np.sqrt((frames**2).mean(axis=1))
        # scipy's FFT keeps float32 (numpy's works in float64): half the work, the same bars.
        spectrum = np.abs(sp_fft.rfft(frames * window, axis=1))
        cumulative = np.concatenate([np.zeros((len(frames), 1), np.float32), np.cumsum(spectrum, axis=1)], axis=1)
        band[first : first + len(frames)] = (cumulative[:, ends] - cumulative[:, starts]) / (ends - starts)
    db = 20 * np.log10(band + 1e-6)
    # Each band against its own range, blended with the overall one: highs move as much as the bass.
    low, high = np.percentile(db, 20), np.percentile(db, 99.5)
    band_low, band_high = np.percentile(db, 20, axis=0), np.percentile(db, 99.5, axis=0)
    overall = (db - low) / max(high - low, 1e-6)
    own = (db - band_low) / np.maximum(band_high - band_low, 1e-6)
    level = np.clip(0.4 * overall + 0.6 * own, 0, 1) ** 1.4
    smooth = np.empty_like(level)
    current = np.zeros(n_bars, dtype=np.float32)
    for i in range(n_frames):  # fast attack, slow fall: bars jump with hits and sink back
        current = np.maximum(level[i], current * 0.82)
        smooth[i] = current
    loud = np.clip(rms / max(np.percentile(rms, 98), 1e-6), 0, 1)
    return smooth, loud


def _background(
    width: int, height: int, colours: list[tuple[int, int, int]], request: VideoRequest, glow: float
) -> np.ndarray:
    """The still part of the picture: darkened palette gradient, a centre glow, title and artist."""
    dark = min(colours, key=_luminance)
    second = colours[1] if colours[1] != dark else colours[0]
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None, None]
    top = np.array(_mix(dark, (0, 0, 0), 0.35), np.float32)
    bottom = np.array(_mix(second, (0, 0, 0), 0.6), np.float32)
    image = top * (1 - ys) + bottom * ys
    image = np.broadcast_to(image, (height, width, 3)).copy()
    if glow > 0:
        accent = np.array(max(colours, key=_luminance), np.float32)
        yy = (np.arange(height, dtype=np.float32)[:, None] - height * 0.42) / (height * 0.5)
        xx = (np.arange(width, dtype=np.float32)[None, :] - width / 2) / (width * 0.5)
        falloff = np.exp(-(xx**2 + yy**2) * 2.2)[..., None]
        image = image + (accent - image) * falloff * (0.45 * glow)
    picture = Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB").convert("RGBA")
    text_colour = (245, 245, 245)
    short = min(width, height)
    margin = int(short * 0.06)
    y = margin
    for text, size, bold in ((request.artist_name.upper(), 0.07, True), (request.title, 0.045, False)):
        if not text:
            continue
        layer = _fit(
            _text_layer(text, "sans", max(10, int(short * size)), text_colour, bold=bold), width - 2 * margin, height
        )
        picture.alpha_composite(layer, (margin, y))
        y += layer.height + int(short * 0.025)
    picture = picture.convert("RGB")
    return np.asarray(picture)


class _BarPainter:
    """Paints the bars and their reflections into persistent Y, U, V planes, all bars at once.

    Only the strip under the bars changes between frames. Each column of the strip belongs to
    one bar (or to a gap), so each part of a frame is one row-by-column mask selecting between
    the bar colour and the still background, done with integer operations over whole rows (a
    Python loop over the bars, or `np.where`, costs several times more).
    """

    def __init__(
        self,
        by: np.ndarray,
        bu: np.ndarray,
        bv: np.ndarray,
        *,
        x0: int,
        n_bars: int,
        bar_w: int,
        gap: int,
        baseline: int,
        max_h: int,
    ) -> None:
        self.planes = (by.copy(), bu.copy(), bv.copy())
        self.y, self.u, self.v = self.planes
        # The reflection is half the bar, starting 2 rows under the baseline, inside the frame.
        reflect_max = max(0, min(max_h // 2, by.shape[0] - baseline - 2)) // 2 * 2
        above = (np.arange(max_h, 0, -1) - 1).astype(np.int16)  # each row's depth above the baseline
        below = np.arange(reflect_max, dtype=np.int16)
        # The four parts: (rows, plane scale, each row's depth, bars or reflections).
        self.parts = (
            (slice(baseline - max_h, baseline), 1, above, False),
            (slice((baseline - max_h) // 2, baseline // 2), 2, above[::2] // 2, False),
            (slice(baseline + 2, baseline + 2 + reflect_max), 1, below, True),
            (slice(baseline // 2 + 1, baseline // 2 + 1 + reflect_max // 2), 2, below[: reflect_max // 2], True),
        )
        pitch = bar_w + gap
        # Per scale (1: luma, 2: chroma): the strip's columns, each column's bar, and whether the
        # column is inside its bar (not in the gap after it).
        self.columns: dict[int, tuple[slice, np.ndarray, np.ndarray]] = {}
        for scale in (1, 2):
            offsets = np.arange(n_bars * pitch // scale)
            self.columns[scale] = (
                slice(x0 // scale, (x0 + n_bars * pitch) // scale),
                offsets // (pitch // scale),
                offsets % (pitch // scale) < bar_w // scale,
            )
        self.background = [
            [np.ascontiguousarray(plane[rows, self.columns[scale][0]]) for plane in (by, bu, bv)]
            for rows, scale, _depth, _reflected in self.parts
        ]

    def paint(self, heights: np.ndarray, bar: np.ndarray, reflection: np.ndarray) -> None:
        """`heights`: even bar heights in pixels; `bar`, `reflection`: (bar, 3) YUV colours."""
        reflect = np.minimum(len(self.parts[2][2]), heights // 2) // 2 * 2
        for part, (rows, scale, depth, reflected) in enumerate(self.parts):
            columns, bar_of, inside = self.columns[scale]
            extent = (reflect if reflected else heights) // scale
            reach = np.where(inside, extent[bar_of], -1).astype(np.int16)
            mask = (depth[:, None] < reach[None, :]).view(np.uint8)
            colours = (reflection if reflected else bar)[bar_of]
            for k in (0,) if scale == 1 else (1, 2):
                background = self.background[part][k]
                # background ^ ((background ^ colour) * mask): the colour where the mask is 1.
                picture = np.bitwise_xor(background, colours[None, :, k])
                picture *= mask
                picture ^= background
                self.planes[k][rows, columns] = picture


class LocalVideoProvider:
    """Draws a spectrum visualizer of the track; needs no key and no network."""

    name = "local"

    def fetch(self, request: VideoRequest, *, workdir: Path) -> VideoResult:
        if request.audio_path is None:
            raise ProviderError("the local visualizer needs the track (audio_path)", provider=self.name)
        workdir.mkdir(parents=True, exist_ok=True)
        path = workdir / f"video-local-{request.seed}.mp4"
        render_visualizer(request, path)
        return VideoResult(
            path=path,
            source=self.name,
            source_id=f"local-{request.seed}",
            licence="Generated by noktvrn (no third-party rights)",
            attribution="",
        )


def _x264_options() -> dict[str, str]:
    """Constant quantizer unless a CRF is asked for (settings LOCAL_VIDEO_QP / LOCAL_VIDEO_CRF)."""
    options = {"preset": settings.LOCAL_VIDEO_PRESET, "threads": str(settings.LOCAL_VIDEO_THREADS)}
    if settings.LOCAL_VIDEO_CRF > 0:
        return {**options, "crf": str(settings.LOCAL_VIDEO_CRF)}
    return {**options, "qp": str(settings.LOCAL_VIDEO_QP)}


def render_visualizer(request: VideoRequest, path: Path) -> None:
    """Render the MP4: bars per spectrum band, mirrored reflection, progress line, the track as audio."""
    fps = settings.LOCAL_VIDEO_FPS
    width, height = frame_size(request.orientation, settings.LOCAL_VIDEO_LONG_SIDE)
    audio = read_audio(request.audio_path)
    duration = min(request.duration_seconds, len(audio) / SR)
    audio = audio[: int(round(duration * SR))]
    n_frames = max(1, int(math.ceil(duration * fps)))

    colours = [_hex(c) for c in request.palette] or [(16, 16, 24), (233, 69, 96)]
    if len(colours) == 1:
        colours.append((245, 245, 245))
    rng = random.Random(request.seed)
    accents = sorted(colours, key=_luminance, reverse=True)[:3]
    n_bars = 64 if width >= height else 40
    gap = max(2, width // (n_bars * 6)) // 2 * 2
    bar_w = ((width - 2 * int(width * 0.05)) // n_bars - gap) // 2 * 2
    x0 = (width - n_bars * (bar_w + gap) + gap) // 2 // 2 * 2
    baseline = int(height * (0.72 if width >= height else 0.62)) // 2 * 2
    max_h = int(height * (0.42 if width >= height else 0.3)) // 2 * 2
    shift = rng.random()
    bar_colours = []
    for i in range(n_bars):
        t = (i / max(1, n_bars - 1) + shift) % 1.0
        a, b = accents[int(t * len(accents)) % len(accents)], accents[(int(t * len(accents)) + 1) % len(accents)]
        rgb = _mix(a, b, (t * len(accents)) % 1.0)
        # The bars brighten with the track's loudness (a few precomputed levels per bar).
        levels = [_mix(rgb, (255, 255, 255), 0.45 * k / (PULSE_LEVELS - 1)) for k in range(PULSE_LEVELS)]
        bar_colours.append([(_colour_yuv(c), _colour_yuv(_mix(c, (0, 0, 0), 0.65))) for c in levels])

    # A still background: a changing one would make x264 re-encode the whole frame every time.
    by, bu, bv = _yuv(_background(width, height, colours, request, 0.5))
    heights, loud = _bands(audio, n_frames, fps, n_bars)
    pulses = np.minimum(PULSE_LEVELS - 1, (loud**2 * PULSE_LEVELS).astype(np.int64))
    # Bar colours as arrays (bar, pulse level, plane): one vectorised paint per frame instead of a loop of slices.
    bar_yuv = np.array([[c[0] for c in bar] for bar in bar_colours], np.uint8)  # (n_bars, levels, 3)
    reflect_yuv = np.array([[c[1] for c in bar] for bar in bar_colours], np.uint8)
    painter = _BarPainter(by, bu, bv, x0=x0, n_bars=n_bars, bar_w=bar_w, gap=gap, baseline=baseline, max_h=max_h)
    progress_colour = _colour_yuv(accents[0])
    planar = audio.T.astype(np.float32)

    try:
        with av.open(str(path), "w", format="mp4") as container:
            vstream = container.add_stream("libx264", rate=fps)
            vstream.width, vstream.height, vstream.pix_fmt = width, height, "yuv420p"
            vstream.options = _x264_options()
            astream = container.add_stream("aac", rate=SR, layout="stereo")
            astream.bit_rate = 128_000  # web-video AAC; the release master is the WAV, not this
            astream.options = {"aac_coder": "fast"}  # half the CPU of the default two-loop search
            # AAC encoding runs beside the video loop (PyAV releases the GIL while encoding);
            # its packets are muxed at the end and the muxer interleaves them by time.
            audio_packets: list[av.Packet] = []
            audio_error: list[Exception] = []

            def encode_audio() -> None:
                try:
                    for start in range(0, planar.shape[1], 4096):
                        chunk = av.AudioFrame.from_ndarray(
                            np.ascontiguousarray(planar[:, start : start + 4096]), format="fltp", layout="stereo"
                        )
                        chunk.sample_rate, chunk.pts = SR, start
                        audio_packets.extend(astream.encode(chunk))
                    audio_packets.extend(astream.encode(None))
                except Exception as exc:  # handed to the rendering thread, which raises it
                    audio_error.append(exc)

            audio_thread = threading.Thread(target=encode_audio, name="visualizer-aac")
            audio_thread.start()
            try:
                bar_px = (heights * max_h).astype(np.int64) // 2 * 2
                for i in range(n_frames):
                    painter.paint(bar_px[i], bar_yuv[:, pulses[i]], reflect_yuv[:, pulses[i]])
                    done = int(width * (i + 1) / n_frames) // 2 * 2
                    painter.y[height - 6 : height - 2, :done] = progress_colour[0]
                    painter.u[(height - 6) // 2 : (height - 2) // 2, : done // 2] = progress_colour[1]
                    painter.v[(height - 6) // 2 : (height - 2) // 2, : done // 2] = progress_colour[2]
                    frame = av.VideoFrame(width, height, "yuv420p")
                    for plane, source in zip(frame.planes, (painter.y, painter.u, painter.v), strict=True):
                        view = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
                        view[:, : source.shape[1]] = source
                    frame.pts = i
                    container.mux(vstream.encode(frame))
                container.mux(vstream.encode(None))
            finally:
                audio_thread.join()
            if audio_error:
                raise audio_error[0]
            container.mux(audio_packets)
    except av.error.FFmpegError as exc:
        raise ProviderError(f"local visualizer could not encode the video: {exc}", provider="local") from exc
