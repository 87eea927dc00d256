"""Audio feature extraction: `extract_features(path)` returns an `AudioAnalysis`.

Modules follow the analysis: `common` (result model, limits), `spectra` (the rhythm/timbre
STFT), `tempo`, `key`, `descriptors`, `sections`, `images`, and `extract` (the entry point).
Decoding, resampling, loudness and true peak are the project's audio toolkit, `kernel.audio`.
"""

from analytics.audio.common import ANALYZER_VERSION, AudioAnalysis, AudioAnalysisError, Section
from analytics.audio.extract import extract_features

__all__ = ["ANALYZER_VERSION", "AudioAnalysis", "AudioAnalysisError", "Section", "extract_features"]
