"""Charts, the tracks on them and their audio features; country profiles, trends, alerts, forecasts."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from markets.features import PERIODS

PERIOD_CHOICES = [(name, name.title()) for name in PERIODS]


class Chart(models.Model):
    """One published chart: a source's ranking for one country on one date."""

    class Source(models.TextChoices):
        SPOTIFY = "spotify", "Spotify Charts"
        YOUTUBE = "youtube", "YouTube Charts"
        APPLE_MUSIC = "apple_music", "Apple Music"
        DEEZER = "deezer", "Deezer"
        LASTFM = "lastfm", "Last.fm"
        DATASET = "dataset", "Country x day dataset"
        DEMO = "demo", "Demo"

    class Kind(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    source = models.CharField(max_length=16, choices=Source.choices)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    country = models.CharField(max_length=6, db_index=True, help_text="ISO 3166-1 alpha-2, or GLOBAL.")
    chart_date = models.DateField(help_text="The last day the chart covers.")
    size = models.PositiveIntegerField(default=0, help_text="Entries on the chart.")
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the normalised entries: same chart, same sum.")
    file_name = models.CharField(max_length=255, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-chart_date", "country", "source"]
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "country", "chart_date"], name="chart_unique_per_day"),
        ]
        indexes = [models.Index(fields=["country", "chart_date"], name="chart_country_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.kind} {self.country} {self.chart_date}"


class ChartTrack(models.Model):
    """A track seen on a chart, identified by its source's id (spotify:ID, youtube:ID, deezer:ID...)."""

    key = models.CharField(max_length=200, unique=True)
    title = models.CharField(max_length=300)
    artists = models.CharField(max_length=500)
    genre = models.CharField(max_length=60, blank=True, db_index=True, help_text="Lower case; empty when unknown.")
    preview_url = models.URLField(max_length=500, blank=True, help_text="A 30 s preview (Deezer or iTunes).")
    apple_id = models.CharField(max_length=32, blank=True, help_text="iTunes/Apple Music track id, for lookup.")
    preview_error = models.CharField(max_length=300, blank=True, help_text="Why the last preview analysis failed.")
    preview_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return f"{self.artists} - {self.title}"


class ChartEntry(models.Model):
    """One row of a chart: a track at a rank."""

    chart = models.ForeignKey(Chart, on_delete=models.CASCADE, related_name="entries")
    track = models.ForeignKey(ChartTrack, on_delete=models.PROTECT, related_name="entries")
    rank = models.PositiveIntegerField()
    previous_rank = models.PositiveIntegerField(null=True, blank=True)
    peak_rank = models.PositiveIntegerField(null=True, blank=True)
    periods_on_chart = models.PositiveIntegerField(null=True, blank=True, help_text="Weeks or days on chart.")
    plays = models.BigIntegerField(null=True, blank=True, help_text="Streams, views or listeners, per source.")

    class Meta:
        ordering = ["chart", "rank"]
        verbose_name_plural = "chart entries"
        constraints = [models.UniqueConstraint(fields=["chart", "rank"], name="chart_entry_unique_rank")]

    def __str__(self) -> str:
        return f"#{self.rank} {self.track_id}"


class TrackFeatures(models.Model):
    """Audio features of a charted track: imported with the chart, or measured by us on its preview."""

    class Source(models.TextChoices):
        IMPORTED = "imported", "Imported with the chart"
        MEASURED = "measured", "Measured on the preview"
        DEMO = "demo", "Demo generator"

    track = models.OneToOneField(ChartTrack, on_delete=models.CASCADE, related_name="features")
    source = models.CharField(max_length=10, choices=Source.choices)
    danceability = models.FloatField(null=True, blank=True)
    energy = models.FloatField(null=True, blank=True)
    valence = models.FloatField(null=True, blank=True)
    acousticness = models.FloatField(null=True, blank=True)
    instrumentalness = models.FloatField(null=True, blank=True)
    speechiness = models.FloatField(null=True, blank=True)
    liveness = models.FloatField(null=True, blank=True, help_text="Imported only: our extractor does not measure it.")
    loudness = models.FloatField(null=True, blank=True, help_text="dB (Spotify) or LUFS (measured).")
    tempo = models.FloatField(null=True, blank=True, help_text="BPM.")
    key = models.SmallIntegerField(null=True, blank=True, help_text="Pitch class 0 (C) to 11 (B).")
    mode = models.SmallIntegerField(null=True, blank=True, help_text="1 major, 0 minor.")
    time_signature = models.SmallIntegerField(null=True, blank=True)
    preview_source = models.CharField(max_length=16, blank=True, help_text="deezer or itunes, when measured.")
    analyzer_version = models.CharField(max_length=20, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "track features"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(key__isnull=True) | models.Q(key__gte=0, key__lte=11), name="track_features_key"
            ),
            models.CheckConstraint(
                condition=models.Q(mode__isnull=True) | models.Q(mode__in=[0, 1]), name="track_features_mode"
            ),
        ]

    def __str__(self) -> str:
        return f"Features of {self.track_id} ({self.source})"


class ChartImport(models.Model):
    """One import of a chart file (command, upload form or API), with what it did and the rows it skipped."""

    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=20)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=10)
    charts_created = models.PositiveIntegerField(default=0)
    charts_replaced = models.PositiveIntegerField(default=0)
    charts_unchanged = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{line, message}] of the skipped rows.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})"


class CountryProfile(models.Model):
    """What one country's charts sounded like in one period, for one genre or all ('')."""

    country = models.CharField(max_length=6)
    genre = models.CharField(max_length=60, blank=True, help_text="Empty: every genre.")
    period = models.CharField(max_length=8, choices=PERIOD_CHOICES)
    period_start = models.DateField()
    period_end = models.DateField(help_text="The period's last day.")
    entries = models.PositiveIntegerField(help_text="Chart entries in the period.")
    tracks = models.PositiveIntegerField(help_text="Distinct tracks in the period.")
    measured_share = models.FloatField(help_text="Share of entries whose track has features.")
    features = models.JSONField(default=dict, help_text="{feature: {mean, std, n}}.")
    genre_shares = models.JSONField(default=dict, help_text="{genre: share of entries}; empty genre = unknown.")
    tempo_histogram = models.JSONField(default=list, help_text="Entry counts per 10 BPM bin from 60 to 200.")
    key_distribution = models.JSONField(default=dict, help_text="{'A minor': share}.")
    movers = models.JSONField(default=list, help_text="Tracks that climbed most since the previous period.")
    newcomers = models.JSONField(default=list, help_text="Best-placed tracks absent from the previous period.")
    sources = models.JSONField(default=dict, help_text="{source: entries}.")
    built_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "genre", "period", "-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "genre", "period", "period_start"], name="country_profile_unique_period"
            ),
        ]
        indexes = [models.Index(fields=["period", "country", "genre", "period_start"], name="profile_series_idx")]

    def __str__(self) -> str:
        return f"{self.country} {self.genre or 'all'} {self.period} {self.period_start}"


class MarketTrend(models.Model):
    """Direction, strength and significance of one series (a feature mean or a genre share) in one country."""

    class Direction(models.TextChoices):
        UP = "up", "Rising"
        DOWN = "down", "Falling"
        FLAT = "flat", "No clear trend"

    country = models.CharField(max_length=6)
    genre = models.CharField(max_length=60, blank=True)
    period = models.CharField(max_length=8, choices=PERIOD_CHOICES)
    series = models.CharField(max_length=80, help_text="A feature name, or share:<genre>.")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    slope = models.FloatField(help_text="Change per period (least squares).")
    strength = models.FloatField(help_text="Change over the window in units of the series' residual spread.")
    p_value = models.FloatField(help_text="Two-sided p-value of the slope (t-test).")
    r_squared = models.FloatField()
    periods = models.PositiveIntegerField()
    first_period = models.DateField()
    last_period = models.DateField()
    last_value = models.FloatField()
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "genre", "period", "series"]
        constraints = [
            models.UniqueConstraint(fields=["country", "genre", "period", "series"], name="market_trend_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.series} {self.direction}"


class MarketAlert(models.Model):
    """A series value far outside its own recent baseline (a breakout or a collapse)."""

    country = models.CharField(max_length=6, db_index=True)
    genre = models.CharField(max_length=60, blank=True)
    period = models.CharField(max_length=8, choices=PERIOD_CHOICES)
    series = models.CharField(max_length=80)
    period_start = models.DateField()
    value = models.FloatField()
    baseline_mean = models.FloatField()
    baseline_std = models.FloatField()
    z_score = models.FloatField()
    direction = models.CharField(max_length=4, choices=MarketTrend.Direction.choices)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-period_start", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "genre", "period", "series", "period_start"], name="market_alert_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.message


class MarketForecast(models.Model):
    """A forecast of one series with its baselines and rolling-origin backtest, for the latest observed period."""

    country = models.CharField(max_length=6)
    genre = models.CharField(max_length=60, blank=True)
    period = models.CharField(max_length=8, choices=PERIOD_CHOICES)
    series = models.CharField(max_length=80)
    method = models.CharField(max_length=40, help_text="The model, e.g. ets-AAdN (statsmodels).")
    origin = models.DateField(help_text="The last observed period.")
    horizon = models.PositiveSmallIntegerField()
    history = models.JSONField(default=list, help_text="[[period_start, value]] the model saw.")
    points = models.JSONField(default=list, help_text="[{period_start, mean, lo80, hi80, lo95, hi95}].")
    baselines = models.JSONField(default=dict, help_text="{naive: [...], drift: [...]} point forecasts.")
    backtest = models.JSONField(default=dict, help_text="{model|naive|drift: {mase, smape, coverage80, coverage95}}.")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country", "genre", "period", "series"]
        constraints = [
            models.UniqueConstraint(fields=["country", "genre", "period", "series"], name="market_forecast_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.series} from {self.origin}"
