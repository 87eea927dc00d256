"""The teaser draws every letter of accented names, not empty boxes (the .notdef glyph)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from releases.services.teaser import _font, _poster

# A private-use code point no font here draws: what the font shows for a missing glyph.
MISSING = "\ue000"


def _glyph(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, char: str) -> np.ndarray:
    image = Image.new("L", (96, 96), 0)
    ImageDraw.Draw(image).text((8, 8), char, font=font, fill=255)
    return np.asarray(image) > 127


@pytest.mark.parametrize("text", ["KØLD FRONT", "Lua Maré", "Ñandú Çağrı Łódź Ærø", "Þoka Ísland"])
def test_every_letter_is_drawn_with_its_own_glyph(text):
    font = _font(64)
    assert isinstance(font, ImageFont.FreeTypeFont), "no TrueType font: run scripts/ensure_fonts.sh"
    box = _glyph(font, MISSING)
    for char in set(text) - {" "}:
        drawn = _glyph(font, char)
        assert drawn.any(), char
        assert not np.array_equal(drawn, box), f"{char!r} is drawn as the missing-glyph box"


def test_the_checker_itself_sees_a_box():
    # Pillow's bundled bitmap font has no Ø: the comparison above would catch it.
    font = ImageFont.load_default(size=64)
    assert np.array_equal(_glyph(font, "Ø"), _glyph(font, MISSING)) or not _glyph(font, "Ø").any()


def test_the_poster_draws_title_and_artist_below_the_cover():
    cover = Image.new("RGB", (300, 300), (40, 40, 60))
    poster = np.asarray(_poster(cover, width=360, height=640, title="Lua Maré", artist="KØLD FRONT"))
    text_band = poster[int(640 * 0.22) + int(360 * 0.84) + 10 : 640 - 640 // 12 - 10]
    assert (text_band > 200).any()  # white title and light-grey artist name were drawn
