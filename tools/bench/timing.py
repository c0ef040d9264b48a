"""How the benchmark times one thing: each action timed over several runs from the same state, then
run once more under tracemalloc for its peak memory (tracing slows Python, so it is not timed).
measure.py (the scheduler's work) and pages.py (the oversight pages) both build on it.
"""
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Measurement:
    label: str
    target_ms: float | None = None
    timings_ms: list[float] = field(default_factory=list)
    rows: int = 0
    peak_mb: float | None = None
    unavailable: str = ""  # why it was not measured
    per_second: bool = False  # report rows/s (throughput) beside the target
    history_tasks: int | None = None  # for the memory-versus-history comparison
    ratio_goal: float | None = None  # a page: at most this many times its raw SQL (else pages.RAW_RATIO_TARGET)
    size_goal: int | None = None  # at most this many bytes (of `size`, else of `rows` for a page's HTML)
    size: int | None = None  # bytes, where `rows` counts something else (the tablet's requests)
    rows_goal: int | None = None  # at most this many rows (the tablet: requests)
    limit_for: str = ""  # the label of the measurement this one is the limit of (its SQL, a bare insert of its rows)
    limit_name: str = ""  # what this limit is, in the goals table ({rows}: the rows it read or wrote)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.timings_ms)

    @property
    def verdict(self) -> str:
        if self.unavailable or not self.timings_ms:
            return ""
        if self.per_second:
            return f"{self.rows / (self.median_ms / 1000):,.0f} rows/s"
        if self.target_ms is None:
            return ""
        return "ok" if self.median_ms <= self.target_ms else f"OVER ({self.median_ms / self.target_ms:.1f}x)"


def measure(label: str, action: Callable[[], int], *, runs: int, target_ms: float | None = None,
            prepare: Callable[[], None] = lambda: None, restore: Callable[[], None] = lambda: None,
            per_second: bool = False) -> Measurement:
    """Times `action` (which returns how many rows it wrote) `runs` times, then traces it once."""
    result = Measurement(label, target_ms, per_second=per_second)
    for run in range(runs + 1):
        _once(result, action, prepare, restore, traced=run == runs)
    return result


def interleave(turns: list[tuple[Measurement, Callable[[], int], Callable[[], None]]], *, runs: int) -> None:
    """Times each (measurement, action, restore) once in turn, `runs` times over, then traces each once:
    a busy moment of the shared machine then weighs on all of them alike, and their ratio holds."""
    for run in range(runs + 1):
        for result, action, restore in turns:
            _once(result, action, lambda: None, restore, traced=run == runs)


def _once(result: Measurement, action: Callable[[], int], prepare: Callable[[], None],
          restore: Callable[[], None], *, traced: bool) -> None:
    prepare()
    gc.collect()
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    rows = action()
    elapsed_ms = (time.perf_counter() - started) * 1000
    if traced:
        result.peak_mb = tracemalloc.get_traced_memory()[1] / 1024 ** 2
        tracemalloc.stop()
    else:
        result.timings_ms.append(elapsed_ms)
        result.rows = rows
    restore()


class PageSql:
    """The SQL a page runs, captured from one rendering, to be replayed on the raw database connection:
    the limit a page is held to is the time its own statements take over the same stored data (rollups
    included), without the ORM, the view or the template around them."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _record(self, _conn, _cursor, statement, parameters, _context, executemany):
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))

    def __enter__(self) -> "PageSql":
        from sqlalchemy import event
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc) -> None:
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._record)

    def replay(self, connection: Callable) -> Callable[[], int]:
        """An action for measure(): every captured statement on the DBAPI cursor of the connection that
        `connection()` gives; returns the rows read."""
        def action() -> int:
            cursor, rows = connection().connection.cursor(), 0
            for statement, parameters in self.statements:
                cursor.execute(statement, parameters)
                rows += len(cursor.fetchall())
            cursor.close()
            return rows
        return action
