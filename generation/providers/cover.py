"""The embedded cover renderer: a square RGB cover from the artist's palette and typography.

Distributors want at least 3000x3000 RGB JPEG; the releases area saves the same image. The
composition (gradient, generative shapes, type placement) comes from the seed, so a run's
cover can always be rendered again identically.
"""

from __future__ import annotations

import io
import logging
import math
import random
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from kernel.errors import ApplicationError
from kernel.music import genre_for

logger = logging.getLogger(__name__)

# Typography word -> font files to try. DejaVu (Debian fonts-dejavu-core, installed by
# scripts/ensure_fonts.sh from `make run` and `make test`) covers Latin, Greek and Cyrillic with
# their accents (Ø, é, ł...); then Noto and Liberation; then whatever fontconfig matches; Pillow's
# own bundled font is the last resort (logged: it lacks most accented letters).
FONT_FILES = {
    "sans": ("DejaVuSans-Bold.ttf", "LiberationSans-Bold.ttf", "Arial Bold.ttf", "Arial.ttf"),
    "serif": ("DejaVuSerif-Bold.ttf", "LiberationSerif-Bold.ttf", "Georgia Bold.ttf", "Times New Roman.ttf"),
    "mono": ("DejaVuSansMono-Bold.ttf", "LiberationMono-Bold.ttf", "Courier New Bold.ttf", "Menlo.ttc"),
    "condensed": ("DejaVuSansCondensed-Bold.ttf", "LiberationSansNarrow-Bold.ttf", "Arial Narrow Bold.ttf"),
}
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto",
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
)
FONTCONFIG_PATTERNS = {
    "sans": "DejaVu Sans:bold",
    "serif": "DejaVu Serif:bold",
    "mono": "DejaVu Sans Mono:bold",
    "condensed": "DejaVu Sans:condensed:bold",
}
LIGHT_FONT_FILES = {
    "sans": ("DejaVuSans.ttf", "LiberationSans-Regular.ttf"),
    "serif": ("DejaVuSerif.ttf", "LiberationSerif-Regular.ttf"),
    "mono": ("DejaVuSansMono.ttf", "LiberationMono-Regular.ttf"),
    "condensed": ("DejaVuSansCondensed.ttf", "LiberationSansNarrow-Regular.ttf"),
}


def typography_family(typography: str) -> str:
    """Map a free-text typography description ("elegant serif", "bold grotesk") to a font family."""
    words = typography.lower()
    if any(word in words for word in ("mono", "typewriter", "code", "terminal", "pixel")):
        return "mono"
    if any(word in words for word in ("condensed", "narrow", "compressed", "tall")):
        return "condensed"
    if "serif" in words and "sans" not in words or any(word in words for word in ("didone", "roman", "garamond")):
        return "serif"
    return "sans"


@lru_cache(maxsize=16)
def font_path(family: str = "sans", *, bold: bool = True) -> str | None:
    """A font file for `family`: COVER_FONTS_DIR, the known system folders, then fontconfig; None if none."""
    names = (FONT_FILES if bold else LIGHT_FONT_FILES)[family]
    dirs = [settings.COVER_FONTS_DIR] if settings.COVER_FONTS_DIR else []
    for name in names:
        for folder in (*dirs, *FONT_DIRS):
            candidate = Path(folder) / name
            if candidate.is_file():
                return str(candidate)
    fc_match = shutil.which("fc-match")
    if fc_match:
        pattern = FONTCONFIG_PATTERNS[family] if bold else FONTCONFIG_PATTERNS[family].replace(":bold", "")
        try:
            found = subprocess.run(  # noqa: S603 - a fixed command, no shell
                [fc_match, "--format=%{file}", pattern], capture_output=True, text=True, timeout=5, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found.lower().endswith((".ttf", ".otf", ".ttc")) and Path(found).is_file():
            return found
    logger.warning(
        "No TrueType font found for %r (install Debian's fonts-dejavu-core: scripts/ensure_fonts.sh); "
        "falling back to Pillow's bundled font, which lacks most accented letters.",
        family,
    )
    return None


def _font(family: str, size: int, *, bold: bool = True) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The font for `family` at `size`, and whether it is the generic fallback (needs squeezing)."""
    path = font_path(family, bold=bold)
    if path is not None:
        return ImageFont.truetype(path, size), False
    return ImageFont.load_default(size=size), True


def text_font(size: int, *, family: str = "sans", bold: bool = True) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A font with the glyphs for names and titles ("KØLD FRONT", "Lua Maré"), for any picture we draw."""
    return _font(family, size, bold=bold)[0]


def _hex(colour: str) -> tuple[int, int, int]:
    value = colour.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6:
        raise ApplicationError(f"not a hex colour: {colour!r}")
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError as exc:
        raise ApplicationError(f"not a hex colour: {colour!r}") from exc


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _gradient(size: int, a: tuple[int, int, int], b: tuple[int, int, int], angle: float) -> Image.Image:
    """A linear gradient from a to b along `angle` (radians), built small with numpy and scaled up."""
    small = min(size, 512)
    axis = np.linspace(-1.0, 1.0, small, dtype=np.float32)
    t = (np.cos(angle) * axis[None, :] + np.sin(angle) * axis[:, None]) / math.sqrt(2) * 0.5 + 0.5
    t = np.clip(t, 0, 1)[..., None]
    pixels = (np.array(a, dtype=np.float32) * (1 - t) + np.array(b, dtype=np.float32) * t).astype(np.uint8)
    return Image.fromarray(pixels, "RGB").resize((size, size), Image.Resampling.BILINEAR)


MOTIFS = (
    "orbits", "bands", "grid", "sun", "waves", "mountains", "rays", "skyline",
    "botanical", "shards", "rings", "stars", "checker", "zigzag", "palms", "halftone",
)  # fmt: skip


def motifs_for(genre: str) -> tuple[str, ...]:
    """The motif families that suit a genre (shared data); every family when the genre is unknown."""
    known = genre_for(genre) if genre else None
    chosen = tuple(m for m in (known.motifs if known else ()) if m in MOTIFS)
    return chosen or MOTIFS


def _shapes(
    draw: ImageDraw.ImageDraw, size: int, colours: list[tuple[int, int, int]], rng: random.Random, motif: str
) -> None:
    """One generative composition of the motif family, parameterised by the seed."""
    style = motif
    pick = rng.choice
    if style == "orbits":
        cx, cy = rng.uniform(0.3, 0.7) * size, rng.uniform(0.3, 0.6) * size
        for i in range(rng.randint(6, 14)):
            r = size * rng.uniform(0.05, 0.55)
            colour = pick(colours)
            width = max(4, int(size * rng.uniform(0.003, 0.02)))
            alpha = rng.randint(90, 230)
            if i % 3 == 0:
                draw.ellipse((cx - r * 0.4, cy - r * 0.4, cx + r * 0.4, cy + r * 0.4), fill=(*colour, alpha // 2))
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(*colour, alpha), width=width)
    elif style == "bands":
        step = size * rng.uniform(0.05, 0.12)
        slope = rng.uniform(-1.2, 1.2)
        for i in range(-12, 30):
            if rng.random() < 0.45:
                continue
            x0 = i * step
            poly = [(x0, 0), (x0 + step * rng.uniform(0.2, 0.9), 0)]
            poly += [(poly[1][0] + slope * size, size), (x0 + slope * size, size)]
            draw.polygon(poly, fill=(*pick(colours), rng.randint(60, 200)))
    elif style == "grid":
        cells = rng.randint(8, 16)
        cell = size / cells
        for gx in range(cells):
            for gy in range(cells):
                if rng.random() < 0.35:
                    continue
                r = cell * rng.uniform(0.1, 0.48)
                cx, cy = (gx + 0.5) * cell, (gy + 0.5) * cell
                shape = draw.rectangle if rng.random() < 0.3 else draw.ellipse
                shape((cx - r, cy - r, cx + r, cy + r), fill=(*pick(colours), rng.randint(80, 255)))
    elif style == "sun":
        cx, cy, r = size / 2, size * rng.uniform(0.4, 0.55), size * rng.uniform(0.22, 0.34)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*colours[0], 255))
        gap_colour = colours[-1]
        for i in range(8):
            y = cy + r * (0.1 + i * 0.12)
            draw.rectangle((cx - r, y, cx + r, y + r * 0.02 * (i + 1)), fill=(*gap_colour, 255))
        horizon = cy + r
        for i in range(14):
            y = horizon + (size - horizon) * (i / 14) ** 1.8
            draw.line((0, y, size, y), fill=(*colours[1 % len(colours)], 160), width=max(3, size // 600))
        for i in range(-10, 11):
            draw.line(
                (cx + i * size * 0.02, horizon, cx + i * size * 0.2, size), fill=(*colours[1 % len(colours)], 120)
            )
    elif style == "mountains":
        for layer in range(rng.randint(3, 5)):
            base = size * (0.45 + 0.12 * layer)
            points = [(0.0, float(size))]
            x = 0.0
            while x < size:
                points.append((x, base - size * rng.uniform(0.05, 0.28) / (1 + layer * 0.4)))
                x += size * rng.uniform(0.08, 0.2)
            points += [(float(size), base), (float(size), float(size))]
            draw.polygon(points, fill=(*colours[layer % len(colours)], 150 + 20 * layer))
    elif style == "rays":
        cx, cy = size * rng.uniform(0.3, 0.7), size * rng.uniform(0.3, 0.7)
        count = rng.randint(12, 28)
        for i in range(count):
            a0 = 2 * math.pi * i / count
            a1 = a0 + math.pi / count * rng.uniform(0.4, 0.9)
            far = size * 1.5
            ray = [
                (cx, cy),
                (cx + far * math.cos(a0), cy + far * math.sin(a0)),
                (cx + far * math.cos(a1), cy + far * math.sin(a1)),
            ]
            draw.polygon(ray, fill=(*colours[i % len(colours)], rng.randint(90, 200)))
        r = size * rng.uniform(0.06, 0.14)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*pick(colours), 255))
    elif style == "skyline":
        x = 0.0
        while x < size:
            w = size * rng.uniform(0.04, 0.11)
            h = size * rng.uniform(0.15, 0.6)
            colour = pick(colours)
            draw.rectangle((x, size - h, x + w, size), fill=(*colour, 230))
            for wy in range(int(size - h + w * 0.3), size - int(w * 0.3), max(8, int(w * 0.35))):
                if rng.random() < 0.5:
                    draw.rectangle((x + w * 0.2, wy, x + w * 0.4, wy + w * 0.12), fill=(*colours[-1], 200))
            x += w + size * rng.uniform(0.0, 0.02)
    elif style == "botanical":
        for _ in range(rng.randint(10, 22)):
            x0, y0 = rng.uniform(0, size), rng.uniform(size * 0.3, size * 1.1)
            length = size * rng.uniform(0.2, 0.5)
            angle = rng.uniform(-2.4, -0.7)
            x1, y1 = x0 + length * math.cos(angle), y0 + length * math.sin(angle)
            colour = pick(colours)
            draw.line((x0, y0, x1, y1), fill=(*colour, 220), width=max(3, size // 300))
            for k in range(1, 7):
                t = k / 7
                px, py = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                leaf = size * 0.03 * (1 - t * 0.5)
                side = 1 if k % 2 else -1
                left, right = sorted((px, px + side * leaf * 2))
                draw.ellipse((left, py - leaf / 2, right, py + leaf / 2), fill=(*colour, 180))
    elif style == "shards":
        for _ in range(rng.randint(14, 30)):
            cx, cy = rng.uniform(0, size), rng.uniform(0, size)
            r = size * rng.uniform(0.05, 0.25)
            points = [
                (cx + r * math.cos(a), cy + r * math.sin(a))
                for a in sorted(rng.uniform(0, 2 * math.pi) for _ in range(3))
            ]
            draw.polygon(points, fill=(*pick(colours), rng.randint(70, 220)))
    elif style == "rings":
        cx, cy = size * rng.uniform(0.35, 0.65), size * rng.uniform(0.35, 0.6)
        outer = size * rng.uniform(0.3, 0.42)
        draw.ellipse((cx - outer, cy - outer, cx + outer, cy + outer), fill=(*colours[0], 255))
        for k in range(2, 40, 2):
            r = outer * (1 - k / 44)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(*colours[-1], 60), width=max(1, size // 900))
        label = outer * 0.32
        draw.ellipse((cx - label, cy - label, cx + label, cy + label), fill=(*colours[1 % len(colours)], 255))
    elif style == "stars":
        for _ in range(rng.randint(150, 400)):
            x, y = rng.uniform(0, size), rng.uniform(0, size)
            r = size * rng.uniform(0.0008, 0.004)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=(*pick(colours), rng.randint(120, 255)))
        for _ in range(rng.randint(2, 5)):
            x, y, r = rng.uniform(0, size), rng.uniform(0, size * 0.7), size * rng.uniform(0.01, 0.02)
            draw.line((x - r * 3, y, x + r * 3, y), fill=(*colours[-1], 220), width=max(2, size // 800))
            draw.line((x, y - r * 3, x, y + r * 3), fill=(*colours[-1], 220), width=max(2, size // 800))
    elif style == "checker":
        cells = rng.randint(6, 14)
        cell = size / cells
        tilt = rng.uniform(-0.3, 0.3)
        for gx in range(-2, cells + 2):
            for gy in range(-2, cells + 2):
                if (gx + gy) % 2:
                    continue
                x0, y0 = gx * cell + gy * cell * tilt, gy * cell
                square = [
                    (x0, y0),
                    (x0 + cell, y0),
                    (x0 + cell + cell * tilt, y0 + cell),
                    (x0 + cell * tilt, y0 + cell),
                ]
                draw.polygon(square, fill=(*colours[(gx // 2 + gy) % len(colours)], 170))
    elif style == "zigzag":
        for band in range(rng.randint(4, 9)):
            y = size * rng.uniform(0.05, 0.95)
            amplitude = size * rng.uniform(0.02, 0.07)
            step = size * rng.uniform(0.03, 0.08)
            points = [
                (x, y + (amplitude if i % 2 else -amplitude)) for i, x in enumerate(np.arange(-step, size + step, step))
            ]
            draw.line(
                [(float(a), float(b)) for a, b in points],
                fill=(*colours[band % len(colours)], 230),
                width=max(6, size // 120),
            )
    elif style == "palms":
        horizon = size * rng.uniform(0.55, 0.75)
        draw.rectangle((0, horizon, size, size), fill=(*colours[-1], 140))
        for _ in range(rng.randint(2, 4)):
            x = rng.uniform(0.1, 0.9) * size
            top = horizon - size * rng.uniform(0.25, 0.45)
            lean = size * rng.uniform(-0.06, 0.06)
            colour = colours[0]
            draw.line((x, horizon, x + lean, top), fill=(*colour, 255), width=max(8, size // 90))
            for k in range(7):
                angle = math.pi * (0.1 + 0.8 * k / 6) + math.pi
                frond = size * rng.uniform(0.08, 0.14)
                end = (x + lean + frond * math.cos(angle), top + frond * math.sin(angle) * -0.6 + frond * 0.25)
                draw.line((x + lean, top, *end), fill=(*colour, 255), width=max(6, size // 150))
    elif style == "halftone":
        cells = rng.randint(24, 48)
        cell = size / cells
        cx, cy = size * rng.uniform(0.2, 0.8), size * rng.uniform(0.2, 0.8)
        colour = pick(colours)
        for gx in range(cells):
            for gy in range(cells):
                x, y = (gx + 0.5) * cell, (gy + 0.5) * cell
                d = math.hypot(x - cx, y - cy) / size
                r = cell * 0.48 * max(0.0, 1.0 - d * 1.4)
                if r > 0.5:
                    draw.ellipse((x - r, y - r, x + r, y + r), fill=(*colour, 230))
    else:  # waves
        for _ in range(rng.randint(10, 24)):
            y0 = size * rng.uniform(0.05, 0.95)
            amp = size * rng.uniform(0.01, 0.08)
            freq = rng.uniform(1.0, 5.0)
            phase = rng.uniform(0, 2 * math.pi)
            xs = np.linspace(0, size, 200)
            pts = [(float(x), float(y0 + amp * math.sin(freq * 2 * math.pi * x / size + phase))) for x in xs]
            colour = pick(colours)
            draw.line(pts, fill=(*colour, rng.randint(90, 230)), width=max(4, int(size * rng.uniform(0.002, 0.012))))


def _text_layer(text: str, family: str, size: int, colour: tuple[int, int, int], *, bold: bool) -> Image.Image:
    """The text rendered tight on a transparent layer (squeezed when the font cannot be condensed)."""
    font, generic = _font(family, size, bold=bold)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    layer = Image.new("RGBA", (max(1, right - left), max(1, bottom - top)), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((-left, -top), text, font=font, fill=(*colour, 255))
    if generic and family == "condensed":
        layer = layer.resize((max(1, int(layer.width * 0.78)), layer.height), Image.Resampling.LANCZOS)
    return layer


def _fit(layer: Image.Image, max_width: int, max_height: int) -> Image.Image:
    scale = min(1.0, max_width / layer.width, max_height / layer.height)
    if scale >= 1.0:
        return layer
    return layer.resize((max(1, int(layer.width * scale)), max(1, int(layer.height * scale))), Image.Resampling.LANCZOS)


def render_cover(
    *,
    artist_name: str,
    title: str,
    palette: list[str],
    typography: str = "sans",
    seed: int = 0,
    size: int = 3000,
    genre: str = "",
    motif: str | None = None,
) -> Image.Image:
    """A `size`x`size` RGB cover: palette gradient, a motif that suits the genre, artist name and title."""
    if size < 64:
        raise ApplicationError("cover size must be at least 64 px")
    colours = [_hex(c) for c in palette] or [(20, 20, 30), (230, 230, 240)]
    if len(colours) == 1:
        colours.append(tuple(255 - c for c in colours[0]))
    rng = random.Random(seed)
    by_luma = sorted(colours, key=_luminance)
    background = _gradient(
        size, by_luma[0], colours[1] if by_luma[0] != colours[1] else colours[0], rng.uniform(0, 6.28)
    )
    overlay = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    chosen = motif if motif in MOTIFS else rng.choice(motifs_for(genre))
    _shapes(ImageDraw.Draw(overlay), size, colours, rng, chosen)
    if rng.random() < 0.5:
        overlay = overlay.filter(ImageFilter.GaussianBlur(radius=size / 600))
    image = Image.alpha_composite(background.convert("RGBA"), overlay)

    family = typography_family(typography)
    margin = int(size * 0.07)
    at_top = rng.random() < 0.4
    band_h = int(size * 0.3)
    band_top = 0 if at_top else size - band_h
    band_region = np.asarray(image.crop((0, band_top, size, band_top + band_h)).convert("RGB"), dtype=np.float32)
    band_mean = tuple(int(v) for v in band_region.reshape(-1, 3).mean(axis=0))
    readable = [c for c in colours if _contrast(c, band_mean) >= 4.5]
    text_colour = (
        readable[0] if readable else max(((250, 250, 250), (12, 12, 16)), key=lambda c: _contrast(c, band_mean))
    )
    if _contrast(text_colour, band_mean) < 7:
        # Shapes run under the type: a soft veil keeps it readable whatever the palette.
        tone = 0 if _luminance(text_colour) > 0.4 else 255
        ramp = np.linspace(0.0, 1.0, band_h, dtype=np.float32) ** 0.7
        alpha = (140 * (ramp[::-1] if at_top else ramp)).astype(np.uint8)
        veil = np.empty((band_h, size, 4), dtype=np.uint8)
        veil[..., :3] = tone
        veil[..., 3] = alpha[:, None]
        image.alpha_composite(Image.fromarray(veil, "RGBA"), (0, band_top))

    name_layer = _fit(
        _text_layer(
            artist_name.upper() if family != "serif" else artist_name, family, int(size * 0.12), text_colour, bold=True
        ),
        size - 2 * margin,
        int(size * 0.14),
    )
    title_layer = _fit(
        _text_layer(title, family, int(size * 0.055), text_colour, bold=False), size - 2 * margin, int(size * 0.07)
    )
    gap = int(size * 0.025)
    block_h = name_layer.height + gap + title_layer.height
    y = margin if at_top else size - margin - block_h
    align_right = rng.random() < 0.25
    for layer in (name_layer, title_layer):
        x = size - margin - layer.width if align_right else margin
        image.alpha_composite(layer, (x, y))
        y += layer.height + gap
    return image.convert("RGB")


def save_cover_jpeg(
    image: Image.Image, fileobj_or_path: str | Path | BinaryIO, *, max_bytes: int = 10 * 1024 * 1024
) -> None:
    """Save as an RGB JPEG no larger than `max_bytes`, lowering quality until it fits."""
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    for quality in (92, 88, 84, 78, 70, 60, 50, 40):
        buffer = io.BytesIO()
        rgb.save(buffer, format="JPEG", quality=quality, optimize=True, dpi=(300, 300))
        if buffer.tell() <= max_bytes:
            break
    else:
        raise ApplicationError(f"cover does not fit in {max_bytes} bytes even at low JPEG quality")
    data = buffer.getvalue()
    if isinstance(fileobj_or_path, str | Path):
        Path(fileobj_or_path).write_bytes(data)
    else:
        fileobj_or_path.write(data)
