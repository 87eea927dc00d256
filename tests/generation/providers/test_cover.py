"""The local cover renderer makes distributor-ready square RGB JPEGs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from generation.providers.cover import render_cover, save_cover_jpeg, typography_family
from kernel.errors import ApplicationError

PALETTE = ["#1a1a2e", "#e94560", "#0f3460"]


def test_full_size_cover_is_a_3000px_rgb_jpeg_under_10mb(tmp_path):
    image = render_cover(artist_name="Nova Vantablack", title="Midnight Circuit", palette=PALETTE, seed=3)
    assert image.size == (3000, 3000) and image.mode == "RGB"
    path = tmp_path / "cover.jpg"
    save_cover_jpeg(image, path)
    assert path.stat().st_size < 10 * 1024 * 1024
    with Image.open(path) as saved:
        assert saved.format == "JPEG" and saved.mode == "RGB" and saved.size == (3000, 3000)


def test_same_seed_same_cover_and_other_seeds_differ():
    kwargs = {"artist_name": "Lumen", "title": "Glass", "palette": PALETTE, "size": 400}
    first = np.asarray(render_cover(seed=1, **kwargs))
    assert np.array_equal(first, np.asarray(render_cover(seed=1, **kwargs)))
    assert not np.array_equal(first, np.asarray(render_cover(seed=2, **kwargs)))


def test_palette_colours_dominate_the_cover():
    image = np.asarray(render_cover(artist_name="A", title="B", palette=["#ff0000", "#0000ff"], seed=5, size=300))
    red_or_blue = image[..., 0].astype(int) + image[..., 2] > 2 * image[..., 1].astype(int) + 60
    assert red_or_blue.mean() > 0.5


@pytest.mark.parametrize("typography", ["sans", "elegant serif", "mono", "condensed grotesk", "whatever"])
def test_every_typography_renders(typography):
    image = render_cover(
        artist_name="Ünïcødé Ärtist", title="Long title " * 8, palette=PALETTE, typography=typography, size=500
    )
    assert image.size == (500, 500)


def test_typography_words_map_to_font_families():
    assert typography_family("Elegant serif") == "serif"
    assert typography_family("bold sans-serif") == "sans"
    assert typography_family("monospace terminal") == "mono"
    assert typography_family("tall condensed") == "condensed"
    assert typography_family("") == "sans"


def test_save_lowers_quality_to_fit_and_refuses_what_cannot_fit():
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (600, 600, 3), dtype=np.uint8), "RGB")
    generous = io.BytesIO()
    save_cover_jpeg(noise, generous)
    tight = io.BytesIO()
    save_cover_jpeg(noise, tight, max_bytes=generous.tell() // 2)
    assert tight.tell() <= generous.tell() // 2
    with pytest.raises(ApplicationError):
        save_cover_jpeg(noise, io.BytesIO(), max_bytes=1000)


def test_bad_palette_is_a_domain_error():
    with pytest.raises(ApplicationError):
        render_cover(artist_name="A", title="B", palette=["red", "#000000"], size=100)


def test_sixteen_motif_families_each_draw_something_different():
    from generation.providers.cover import MOTIFS

    assert len(MOTIFS) >= 12
    images = {}
    for motif in MOTIFS:
        image = render_cover(
            artist_name="A", title="B", palette=["#101020", "#e0c060", "#3080c0"], seed=3, size=128, motif=motif
        )
        images[motif] = np.asarray(image, dtype=np.int16)
    for first in MOTIFS:
        for second in MOTIFS:
            if first < second:
                assert np.abs(images[first] - images[second]).mean() > 2, (first, second)


def test_the_genre_chooses_the_motif_family():
    from generation.providers.cover import motifs_for

    assert "sun" not in motifs_for("folk") and set(motifs_for("folk")) <= {"mountains", "botanical", "waves"}
    assert "sun" in motifs_for("synthwave") and "palms" in motifs_for("reggaeton")
    assert len(set(motifs_for("an unheard-of genre"))) >= 12
    # Same seed, different genres: the composition follows the genre.
    folk = render_cover(artist_name="A", title="B", palette=["#606c38", "#fefae0"], seed=1, size=96, genre="folk")
    synth = render_cover(artist_name="A", title="B", palette=["#606c38", "#fefae0"], seed=1, size=96, genre="synthwave")
    assert not np.array_equal(np.asarray(folk), np.asarray(synth))


def test_accented_names_use_a_font_with_the_glyphs():
    from generation.providers.cover import font_path

    path = font_path("sans")
    assert path is not None and path.lower().endswith((".ttf", ".otf", ".ttc")), "run scripts/ensure_fonts.sh"
