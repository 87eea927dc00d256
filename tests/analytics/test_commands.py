"""python manage.py analyze_audio."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_json_lines(music_wav, tmp_path):
    out = StringIO()
    call_command("analyze_audio", str(music_wav), str(music_wav), "--json", "--images", str(tmp_path), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert len(lines) == 2
    row = json.loads(lines[0])
    assert row["path"] == str(music_wav)
    assert row["duration"] == pytest.approx(16.0, abs=0.01)
    assert row["tempo"] == pytest.approx(124.0, rel=0.02)
    assert (row["key"], row["mode"]) == ("A", "minor")
    assert isinstance(row["loudness_lufs"], float)
    assert (tmp_path / "backbeat-124-A-minor-waveform.png").exists()


def test_bad_files_are_reported_and_fail_the_command(music_wav, tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 2"):
        call_command("analyze_audio", str(bad), str(music_wav), "--json", stdout=out)
    first, second = (json.loads(line) for line in out.getvalue().strip().splitlines())
    assert first["path"] == str(bad) and "not a readable" in first["error"] and first["reason"] == "unreadable"
    assert second["tempo"] == pytest.approx(124.0, rel=0.02)


def test_human_readable_summary(music_wav):
    out = StringIO()
    call_command("analyze_audio", str(music_wav), stdout=out)
    text = out.getvalue()
    assert "BPM" in text and "A minor" in text and "LUFS" in text and "sections:" in text
