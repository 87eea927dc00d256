"""External systems that make a run's artifacts: music, video, cover art and voice.

Each concern has one small interface, real vendor clients and an embedded offline default
(see docs/providers.md).
"""
