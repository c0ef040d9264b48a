"""Small charts drawn on the server as SVG, from the data: for paper (the report PDF) and for pages
that must show a chart without JavaScript. Percent lines on a 0–100 axis, one polyline per series."""
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 34, 30
COLORS = ("#0b5cad", "#067647", "#b54708", "#b42318")


@dataclass(frozen=True)
class Series:
    name: str
    values: list  # float | None per label; None leaves a gap


def _x(i: int, count: int) -> float:
    inner = WIDTH - LEFT - RIGHT
    return LEFT + (inner * i / (count - 1) if count > 1 else inner / 2)


def _y(value: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(0.0, min(100.0, value)) / 100)


def percent_line_chart(labels: list[str], series: list[Series], *, title: str) -> Markup:
    """An SVG line chart of percentages: grid at 0/25/50/75/100 %, a label per x, a legend on top."""
    parts = [f'<svg class="chart-svg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}" font-size="11" font-family="Noto Sans CJK SC, sans-serif">',
             f"<title>{escape(title)}</title>"]
    for tick in (0, 25, 50, 75, 100):
        y = _y(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d5dbe1"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#5b6570">{tick}%</text>')
    for i, label in enumerate(labels):
        parts.append(f'<text x="{_x(i, len(labels)):.1f}" y="{HEIGHT - 10}" text-anchor="middle" '
                     f'fill="#5b6570">{escape(label)}</text>')
    for n, line in enumerate(series):
        color = COLORS[n % len(COLORS)]
        runs, run = [], []
        for i, value in enumerate(line.values):
            if value is None:
                runs, run = runs + [run] if run else runs, []
            else:
                run.append((_x(i, len(labels)), _y(value)))
        runs += [run] if run else []
        for points in runs:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"/>')
            parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}"/>' for x, y in points)
        legend_x = LEFT + 150 * n
        parts.append(f'<rect x="{legend_x}" y="8" width="14" height="4" fill="{color}"/>'
                     f'<text x="{legend_x + 20}" y="14" fill="#1b1f24">{escape(line.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
