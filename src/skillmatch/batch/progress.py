"""Progress of a batch run: one event type, shown as a bar, as log lines, or passed to a callback.

:func:`~skillmatch.batch.run.run_match` reports a :class:`Progress` after the index is built,
after every chunk and at the end. What it does with it depends on ``progress``:

- a callable: it is called with each :class:`Progress` (back-office code, a web job);
- ``True``: a tqdm bar with rate and ETA when stderr is a terminal, otherwise
  :class:`LogLines` — quiet plain lines (at most one per 10 % of the work or per minute),
  fit for CI logs and cron mail. Without tqdm installed a terminal gets the lines too;
- ``None`` / ``False``: nothing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO


@dataclass(frozen=True)
class Progress:
    """Where a run is.

    Attributes
    ----------
    phase : {"index", "match", "join", "done"}
        ``index``: the candidates are read and indexed; ``match``: a chunk of queries was
        ranked and written (or skipped because an interrupted run had done it); ``join``:
        the parts are being joined into the output; ``done``: finished.
    unit : str
        What the queries are: ``"jobseekers"`` or ``"vacancies"``.
    done : int
        Query records handled so far: ranked, skipped on resume, or rejected.
    total : int or None
        The number of query records, estimated from the file (lines, or Parquet rows)
        before the run; exact once ``phase`` is ``join``.
    chunks, resumed : int
        Chunks finished, of which taken over from an interrupted run.
    rows, rejected : int
        Result rows written, query records rejected.
    elapsed : float
        Seconds since the run started.
    """

    phase: str
    unit: str
    done: int
    total: int | None
    chunks: int
    resumed: int
    rows: int
    rejected: int
    elapsed: float
    started_at: float = 0.0  # seconds into the run when matching began (the rate counts from there)
    done_at_start: int = 0  # records skipped on resume before matching began

    @property
    def fraction(self) -> float | None:
        return None if not self.total else min(1.0, self.done / self.total)

    @property
    def rate(self) -> float | None:
        """Records per second since matching began (resumed chunks left out)."""
        seconds = self.elapsed - self.started_at
        work = self.done - self.done_at_start
        return work / seconds if seconds > 0 and work > 0 else None

    @property
    def eta(self) -> float | None:
        """Seconds left at the current rate, when the total is known."""
        rate = self.rate
        if rate is None or not self.total:
            return None
        return max(0.0, (self.total - self.done) / rate)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class LogLines:
    """Plain progress lines for logs: the first chunk, then one line per 10 % or per minute, and the end."""

    def __init__(self, stream: TextIO | None = None, *, prefix: str = "skillmatch match", every: float = 0.1,
                 interval: float = 60.0):
        self.stream = stream
        self.prefix = prefix
        self.every = every
        self.interval = interval
        self._last_fraction = -1.0
        self._last_time = -interval

    def __call__(self, p: Progress) -> None:
        if p.phase == "index":
            return
        if p.phase == "match":
            fraction = p.fraction if p.fraction is not None else 0.0
            if p.chunks > 1 and fraction < self._last_fraction + self.every - 1e-9 \
                    and p.elapsed < self._last_time + self.interval:
                return
            self._last_fraction, self._last_time = fraction, p.elapsed
        self._write(self._line(p))

    def _line(self, p: Progress) -> str:
        if p.phase == "join":
            return f"{self.prefix}: joining {p.chunks:,} part(s) into the output"
        if p.phase == "done":
            return f"{self.prefix}: {p.done:,} {p.unit} done in {_duration(p.elapsed)}"
        of = f" of ~{p.total:,}" if p.total else ""
        pct = f" ({100 * p.fraction:.0f}%)" if p.fraction is not None else ""
        rate = f", {p.rate:,.0f}/s" if p.rate else ""
        eta = f", about {_duration(p.eta)} left" if p.eta is not None and p.eta >= 1 else ""
        resumed = f", {p.resumed} chunk(s) from the interrupted run" if p.resumed else ""
        return f"{self.prefix}: {p.done:,}{of} {p.unit}{pct} in {_duration(p.elapsed)}{rate}{eta}{resumed}"

    def _write(self, line: str) -> None:
        stream = self.stream or sys.stderr
        print(line, file=stream, flush=True)

    def close(self) -> None:
        pass


class ProgressBar:
    """A tqdm bar on the terminal: records done of the estimated total, rate and ETA."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream
        self._bar: Any = None
        self._shown = 0

    def __call__(self, p: Progress) -> None:
        from tqdm import tqdm

        if p.phase == "index":
            return
        if self._bar is None:
            stream = self.stream or sys.stderr
            width = _columns(stream)  # a terminal that reports no width (some ptys) gets 100 columns
            self._bar = tqdm(total=p.total, unit=f" {p.unit}", unit_scale=False, desc="matching",
                             dynamic_ncols=width != 0, ncols=100 if width == 0 else None, file=stream,
                             mininterval=0.5, smoothing=0.1, initial=p.done_at_start)
            self._shown = p.done_at_start
        bar = self._bar
        if p.phase in ("join", "done") and bar.total != p.done:
            bar.total = p.done
        if p.done > self._shown:
            bar.update(p.done - self._shown)
            self._shown = p.done
        postfix = {"rows": f"{p.rows:,}"}
        if p.rejected:
            postfix["rejected"] = f"{p.rejected:,}"
        if p.resumed:
            postfix["resumed"] = str(p.resumed)
        bar.set_postfix(postfix, refresh=False)
        if p.phase == "join":
            bar.set_description("joining parts", refresh=True)
        if p.phase == "done":
            bar.set_description("matched", refresh=False)
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _columns(stream: Any) -> int | None:
    """The terminal's width (0 when it reports none), or None when it cannot be asked."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return None


ProgressCallback = Callable[[Progress], None]


def progress_display(stream: TextIO | None = None, *, prefix: str = "skillmatch match") -> ProgressCallback:
    """A bar when ``stream`` (default stderr) is a terminal and tqdm is installed, else :class:`LogLines`."""
    target = stream or sys.stderr
    if getattr(target, "isatty", lambda: False)():
        try:
            import tqdm  # noqa: F401
        except ImportError:  # pragma: no cover - tqdm is a dependency; a stripped install still gets lines
            pass
        else:
            return ProgressBar(stream)
    return LogLines(stream, prefix=prefix)


class Clock:
    """Seconds since the run started (one place that reads the monotonic clock)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return time.perf_counter() - self.start
