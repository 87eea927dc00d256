"""The one audio toolkit: decode, resample, write, and BS.1770 loudness and true peak.

Analysis (`analytics.audio`), the release master and QC (`releases.services`) and the
providers (`generation.providers.audio`) all read, measure and write audio through these
functions, so a file has one loudness and one true peak wherever it is measured. Arrays are
float, channels first (channels x frames), as the decoder returns them.
"""

from kernel.audio.decode import AudioDecodeError, DecodedAudio, decode, resample, to_channels
from kernel.audio.encode import write_pcm16
from kernel.audio.loudness import (
    integrated_loudness,
    loudness,
    loudness_range,
    oversampled_peaks,
    true_peak,
)

__all__ = [
    "AudioDecodeError",
    "DecodedAudio",
    "decode",
    "integrated_loudness",
    "loudness",
    "loudness_range",
    "oversampled_peaks",
    "resample",
    "to_channels",
    "true_peak",
    "write_pcm16",
]
