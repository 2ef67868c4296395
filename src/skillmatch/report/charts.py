"""The report's charts: PNG bytes drawn with matplotlib's Agg canvas.

No pyplot and no global state: each chart is a ``matplotlib.figure.Figure`` on its own
``FigureCanvasAgg``, so drawing changes nothing process-wide and needs no display. PNG
metadata is left out (no software version, no date), so the same analysis gives the
same bytes. Matplotlib is an optional dependency (``pip install "skillmatch[report]"``).
"""

from __future__ import annotations

import io

import numpy as np

from ..problems import InputError

#: Pixels per inch of the PNGs (charts are 10 inches wide: 1000 pixels).
DPI = 100
COLORS = ("#1f4e79", "#7fa7d9", "#e07b39", "#5b9e4d")


def _matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:  # pragma: no cover - depends on the installation
        raise InputError("the report draws its charts with matplotlib: pip install \"skillmatch[report]\"") from None
    return Figure, FigureCanvasAgg


def _png(fig) -> bytes:
    _, canvas_type = _matplotlib()
    canvas_type(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None}, bbox_inches="tight")
    return buffer.getvalue()


def sector_chart(labels: list[str], series: dict[str, list[float]], title: str, xlabel: str) -> bytes:
    """Horizontal grouped bars: one group per sector (top to bottom in ``labels`` order), one bar per series."""
    figure_type, _ = _matplotlib()
    n, k = len(labels), len(series)
    fig = figure_type(figsize=(10, max(3.0, 0.55 * n + 1.2)))
    ax = fig.add_subplot()
    height = 0.8 / max(k, 1)
    y = np.arange(n)
    for i, (name, values) in enumerate(series.items()):
        ax.barh(y + (i - (k - 1) / 2) * height, values, height=height, label=name, color=COLORS[i % len(COLORS)])
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.legend(loc="lower right", fontsize=9)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def bar_chart(labels: list[str], values: list[float], title: str, xlabel: str) -> bytes:
    """Horizontal bars, the first label on top."""
    figure_type, _ = _matplotlib()
    n = len(labels)
    fig = figure_type(figsize=(10, max(3.0, 0.35 * n + 1.2)))
    ax = fig.add_subplot()
    y = np.arange(n)
    ax.barh(y, values, color=COLORS[2])
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def portfolio_chart(gains: list[float], bound: float, *, title: str, xlabel: str, gain_label: str,
                    cumulative_label: str, bound_label: str) -> bytes:
    """Bars of each module's gain (in the order chosen), the running total as a line, and the
    proven upper bound on the optimum as a dashed line."""
    figure_type, _ = _matplotlib()
    fig = figure_type(figsize=(10, 4.5))
    ax = fig.add_subplot()
    x = np.arange(1, len(gains) + 1)
    ax.bar(x, gains, color=COLORS[1], label=gain_label)
    ax.plot(x, np.cumsum(gains), marker="o", color=COLORS[0], label=cumulative_label)
    if len(gains):
        ax.axhline(bound, color=COLORS[2], linestyle="--", label=bound_label)
    ax.set_xticks(x, [str(i) for i in x])
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left")
    ax.legend(loc="center right", fontsize=9)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)
