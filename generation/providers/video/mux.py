"""Put the track under a downloaded clip: the clip's video is copied (looped to length), the track encoded as AAC.

Stream copy keeps the vendor's picture untouched and costs almost nothing; only the audio is encoded.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from ..audio import SR, read_audio
from ..errors import ProviderError


def _clip_length(path: Path) -> tuple[int, int, Fraction]:
    """(first pts, length of one pass, time base) of the clip's first video stream."""
    with av.open(str(path)) as src:
        if not src.streams.video:
            raise ValueError("no video stream")
        stream = src.streams.video[0]
        first, end = None, None
        for packet in src.demux(stream):
            if packet.pts is None or packet.size == 0:
                continue
            first = packet.pts if first is None else min(first, packet.pts)
            finish = packet.pts + (packet.duration or 0)
            end = finish if end is None else max(end, finish)
        if first is None or end is None or end <= first:
            raise ValueError("no video frames")
        return first, end - first, stream.time_base


def mux_clip(clip: Path, out: Path, *, audio_path: Path | None, duration: float, provider: str) -> float:
    """Write `out`: the clip looped or cut to `duration` seconds, with the track as audio; returns seconds."""
    try:
        first, loop_length, time_base = _clip_length(clip)
        target = int(duration / time_base)
        with av.open(str(out), "w", format="mp4") as dst:
            with av.open(str(clip)) as probe:
                vout = dst.add_stream_from_template(probe.streams.video[0])
            aout = dst.add_stream("aac", rate=SR, layout="stereo") if audio_path else None
            offset = 0
            while offset < target:
                with av.open(str(clip)) as src:
                    vin = src.streams.video[0]
                    for packet in src.demux(vin):
                        if packet.pts is None or packet.dts is None or packet.size == 0:
                            continue
                        pts = packet.pts - first + offset
                        if pts >= target:
                            continue
                        packet.pts, packet.dts = pts, packet.dts - first + offset
                        packet.stream = vout
                        dst.mux(packet)
                offset += loop_length
            if aout is not None:
                audio = read_audio(audio_path)[: int(round(duration * SR))]
                planar = np.ascontiguousarray(audio.T)
                for start in range(0, planar.shape[1], 1024):
                    frame = av.AudioFrame.from_ndarray(
                        np.ascontiguousarray(planar[:, start : start + 1024]), format="fltp", layout="stereo"
                    )
                    frame.sample_rate, frame.pts = SR, start
                    dst.mux(aout.encode(frame))
                dst.mux(aout.encode(None))
    except (av.error.FFmpegError, ValueError) as exc:
        raise ProviderError(f"{provider} clip could not be used: {exc}", provider=provider) from exc
    return min(duration, float(target * time_base))
