"""The dashboard's extension point: a panel is a template plus a function that reads its data.

Core panels live in `noktvrn.dashboard.panels`; other areas add theirs by decorating a
function in a module of the composition root (apps must not import `noktvrn`) and listing the
module in `PANEL_MODULES` below, which `NoktvrnConfig.ready` imports:

    from noktvrn.dashboard.registry import PanelContext, panel

    @panel(key="error-groups", title="Error groups", template="noktvrn/panels/error_groups.html", order=60)
    def error_groups(ctx: PanelContext) -> dict | None:
        rows = ...  # one or two queries, bounded by ctx.range
        return {"rows": rows}          # None hides the panel (e.g. the model does not exist yet)

The template receives `panel`, `data` (what the function returned) and `range` (the dashboard's
date range). A chart in a panel is `<canvas data-chart="KIND" data-source="ID">` plus
`{{ data.chart|json_script:"ID" }}`, drawn by static/js/charts.js.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

# Modules whose import registers panels; the monitoring and evolution areas append theirs.
PANEL_MODULES = ["noktvrn.dashboard.panels", "noktvrn.dashboard.monitoring"]

DEFAULT_DAYS = 14
MAX_DAYS = 366
PRESETS = (7, 14, 30, 90)


@dataclass(frozen=True)
class DateRange:
    """Whole days, both ends included, in the current time zone."""

    start: date
    end: date
    error: str = ""

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """Exclusive upper bound: midnight after `end`."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    def query(self) -> str:
        return f"from={self.start:%Y-%m-%d}&to={self.end:%Y-%m-%d}"

    @classmethod
    def from_request(cls, request: HttpRequest) -> DateRange:
        """`?days=N` or `?from=YYYY-MM-DD&to=YYYY-MM-DD`; bad input falls back to the default, with a message."""
        today = timezone.localdate()
        params = request.GET
        try:
            if params.get("from") or params.get("to"):
                start = date.fromisoformat(params.get("from") or params["to"])
                end = date.fromisoformat(params.get("to") or today.isoformat())
                if start > end:
                    raise ValueError("the start is after the end")
                if (end - start).days + 1 > MAX_DAYS:
                    raise ValueError(f"at most {MAX_DAYS} days")
                return cls(start, end)
            days = int(params.get("days") or DEFAULT_DAYS)
            if not 1 <= days <= MAX_DAYS:
                raise ValueError(f"days must be between 1 and {MAX_DAYS}")
            return cls(today - timedelta(days=days - 1), today)
        except (ValueError, KeyError) as exc:
            return cls(today - timedelta(days=DEFAULT_DAYS - 1), today, error=f"Date range ignored: {exc}.")


@dataclass(frozen=True)
class PanelContext:
    """What a panel function gets: the request (for permissions) and the date range."""

    request: HttpRequest
    range: DateRange


PanelFunction = Callable[[PanelContext], "dict | None"]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    function: PanelFunction
    order: int = 100
    wide: bool = False
    permission: str = ""
    cache_seconds: int = 0


@dataclass
class RenderedPanel:
    panel: Panel
    data: dict = field(default_factory=dict)
    error: str = ""


_PANELS: dict[str, Panel] = {}


def panel(
    *,
    key: str,
    title: str,
    template: str,
    order: int = 100,
    wide: bool = False,
    permission: str = "",
    cache_seconds: int = 0,
) -> Callable[[PanelFunction], PanelFunction]:
    """Register a dashboard panel; `permission`, when set, hides it from users without it.

    `cache_seconds` keeps the panel's data in the shared cache per date range for that long: for
    aggregates over the range that read the same for every user (not for the "now" panels).
    """

    def decorate(function: PanelFunction) -> PanelFunction:
        _PANELS[key] = Panel(key, title, template, function, order, wide, permission, cache_seconds)
        return function

    return decorate


AttentionProvider = Callable[[PanelContext], list[dict]]
_ATTENTION: list[AttentionProvider] = []


def attention_register(provider: AttentionProvider) -> AttentionProvider:
    """Add items to "Needs attention now": each `{key, label, count, url, level: info|warn|bad, detail?}`."""
    if provider not in _ATTENTION:
        _ATTENTION.append(provider)
    return provider


def attention_providers() -> list[AttentionProvider]:
    return list(_ATTENTION)


def registered_panels() -> list[Panel]:
    return sorted(_PANELS.values(), key=lambda p: (p.order, p.key))


def _cache_key(item: Panel, date_range: DateRange) -> str:
    return f"dashboard:panel:{item.key}:{date_range.start:%Y%m%d}:{date_range.end:%Y%m%d}"


def panels_build(request: HttpRequest, date_range: DateRange) -> list[RenderedPanel]:
    """Every visible panel with its data; one failing panel shows its error, the others still render.

    Panels with `cache_seconds` are read from the shared cache in one round trip and stored back
    together (the chart aggregates over 10k runs were most of the page's database time).
    """
    ctx = PanelContext(request=request, range=date_range)
    visible = [item for item in registered_panels() if not item.permission or request.user.has_perm(item.permission)]
    cacheable = {_cache_key(item, date_range): item for item in visible if item.cache_seconds}
    cached = cache.get_many(list(cacheable)) if cacheable else {}
    to_store: dict[int, dict[str, object]] = {}
    rendered = []
    for item in visible:
        key = _cache_key(item, date_range)
        if key in cached:
            data = cached[key]
        else:
            try:
                data = item.function(ctx)
            except Exception as exc:  # a broken panel must not take the whole dashboard down
                logger.exception("dashboard panel %s failed", item.key)
                rendered.append(RenderedPanel(item, error=f"{type(exc).__name__}: {exc}"))
                continue
            if item.cache_seconds:
                to_store.setdefault(item.cache_seconds, {})[key] = data
        if data is not None:
            rendered.append(RenderedPanel(item, data=data))
    for seconds, values in to_store.items():
        cache.set_many(values, seconds)
    return rendered
