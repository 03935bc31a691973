"""Server-side SVG charts: ROC, precision-recall, confusion matrix, feature importance, trends.

Plain SVG strings with presentation attributes only (no script, no inline style, no
external asset), so the console can insert them under its strict Content-Security-Policy
and the HTML report stays one self-contained file. Each chart states its data in
``data-*`` attributes (point counts, cell values, plot box) so what is drawn can be
checked against the numbers it came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from glue_workflow.model_quality import Curve, Importance, ModelQuality

WIDTH, HEIGHT = 320, 270
LEFT, RIGHT, TOP, BOTTOM = 46, 14, 30, 42
INK, GRID, MUTED = "#1f2933", "#d9dee5", "#8a96a6"
BLUE, RED, GREEN = "#1d6fd6", "#c92a2a", "#2b8a3e"
SERIES = ("#1d6fd6", "#e67700", "#2b8a3e", "#862e9c", "#c92a2a", "#0b7285")


def _fmt(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v))


@dataclass(frozen=True, kw_only=True)
class Box:
    """The plot area inside the chart, and the data range it maps."""

    width: int = WIDTH
    height: int = HEIGHT
    x0: float = 0.0
    x1: float = 1.0
    y0: float = 0.0
    y1: float = 1.0

    @property
    def left(self) -> float:
        return LEFT

    @property
    def right(self) -> float:
        return self.width - RIGHT

    @property
    def top(self) -> float:
        return TOP

    @property
    def bottom(self) -> float:
        return self.height - BOTTOM

    def x(self, v: float) -> float:
        span = (self.x1 - self.x0) or 1.0
        return round(self.left + (v - self.x0) / span * (self.right - self.left), 2)

    def y(self, v: float) -> float:
        span = (self.y1 - self.y0) or 1.0
        return round(self.bottom - (v - self.y0) / span * (self.bottom - self.top), 2)

    @property
    def attr(self) -> str:
        return f'data-plot="{self.left} {self.top} {self.right} {self.bottom}"'


def _open(kind: str, title: str, box: Box, extra: str = "") -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{kind}" data-chart="{kind}" '
        f'width="{box.width}" height="{box.height}" viewBox="0 0 {box.width} {box.height}" '
        f'role="img" aria-label="{escape(title)}" {box.attr}{extra}>',
        f"<title>{escape(title)}</title>",
        f'<text x="{box.width / 2}" y="18" text-anchor="middle" font-size="13" '
        f'font-weight="600" fill="{INK}">{escape(title)}</text>',
    ]


def _axes(box: Box, x_label: str, y_label: str, ticks: Sequence[float] = (0, 0.5, 1)) -> list[str]:
    out = []
    for t in ticks:
        x, y = box.x(box.x0 + t * (box.x1 - box.x0)), box.y(box.y0 + t * (box.y1 - box.y0))
        out.append(f'<line x1="{x}" y1="{box.top}" x2="{x}" y2="{box.bottom}" stroke="{GRID}"/>')
        out.append(f'<line x1="{box.left}" y1="{y}" x2="{box.right}" y2="{y}" stroke="{GRID}"/>')
        xv, yv = box.x0 + t * (box.x1 - box.x0), box.y0 + t * (box.y1 - box.y0)
        out.append(
            f'<text x="{x}" y="{box.bottom + 14}" text-anchor="middle" font-size="10" '
            f'fill="{MUTED}">{_fmt(xv)}</text>'
        )
        out.append(
            f'<text x="{box.left - 5}" y="{y + 3}" text-anchor="end" font-size="10" '
            f'fill="{MUTED}">{_fmt(yv)}</text>'
        )
    out.append(
        f'<rect x="{box.left}" y="{box.top}" width="{box.right - box.left}" '
        f'height="{box.bottom - box.top}" fill="none" stroke="{MUTED}"/>'
    )
    out.append(
        f'<text x="{(box.left + box.right) / 2}" y="{box.height - 8}" text-anchor="middle" '
        f'font-size="11" fill="{INK}">{escape(x_label)}</text>'
    )
    cy = (box.top + box.bottom) / 2
    out.append(
        f'<text x="12" y="{cy}" text-anchor="middle" font-size="11" fill="{INK}" '
        f'transform="rotate(-90 12 {cy})">{escape(y_label)}</text>'
    )
    return out


def _path(box: Box, xs: Sequence[float], ys: Sequence[float]) -> str:
    return " ".join(
        f"{'M' if i == 0 else 'L'}{box.x(x)},{box.y(y)}"
        for i, (x, y) in enumerate(zip(xs, ys, strict=True))
    )


def curve_svg(
    kind: str, curve: Curve, *, title: str, x_label: str, y_label: str, diagonal: bool = False
) -> str:
    box = Box()
    out = _open(kind, title, box) + _axes(box, x_label, y_label)
    if diagonal:
        out.append(
            f'<line class="chance" x1="{box.x(0)}" y1="{box.y(0)}" x2="{box.x(1)}" '
            f'y2="{box.y(1)}" stroke="{MUTED}" stroke-dasharray="4 4"/>'
        )
    first = f"{_fmt(curve.xs[0])},{_fmt(curve.ys[0])}"
    last = f"{_fmt(curve.xs[-1])},{_fmt(curve.ys[-1])}"
    out.append(
        f'<path class="curve" d="{_path(box, curve.xs, curve.ys)}" fill="none" stroke="{BLUE}" '
        f'stroke-width="2" data-points="{len(curve.xs)}" data-first="{first}" '
        f'data-last="{last}"/>'
    )
    out.append("</svg>")
    return "\n".join(out)


def roc_svg(quality: ModelQuality) -> str:
    auc = quality.auc
    title = "ROC curve" + (f" · AUC {auc:.3f}" if auc is not None else "")
    return curve_svg(
        "roc",
        quality.roc,
        title=title,
        x_label="false positive rate",
        y_label="true positive rate",
        diagonal=True,
    )


def pr_svg(quality: ModelQuality) -> str:
    return curve_svg(
        "pr", quality.pr, title="Precision-recall curve", x_label="recall", y_label="precision"
    )


def confusion_svg(quality: ModelQuality) -> str:
    box = Box(width=300, height=250)
    cells = {"tn": quality.tn, "fp": quality.fp, "fn": quality.fn, "tp": quality.tp}
    total = sum(cells.values()) or 1
    peak = max(cells.values()) or 1
    out = _open("confusion", "Confusion matrix", box, f' data-total="{total}"')
    size_x, size_y = (box.right - box.left) / 2, (box.bottom - box.top) / 2
    # Rows: actual 0, 1 (top to bottom); columns: predicted 0, 1 (left to right).
    layout = {"tn": (0, 0), "fp": (0, 1), "fn": (1, 0), "tp": (1, 1)}
    for name, (row, col) in layout.items():
        value = cells[name]
        x, y = box.left + col * size_x, box.top + row * size_y
        shade = 0.12 + 0.78 * value / peak
        good = name in ("tn", "tp")
        color = GREEN if good else RED
        out.append(
            f'<g class="cell" data-cell="{name}" data-value="{value}">'
            f'<rect x="{x}" y="{y}" width="{size_x}" height="{size_y}" fill="{color}" '
            f'fill-opacity="{shade:.2f}" stroke="#ffffff" stroke-width="2"/>'
            f'<text x="{x + size_x / 2}" y="{y + size_y / 2 - 2}" text-anchor="middle" '
            f'font-size="18" font-weight="600" fill="{INK}">{value}</text>'
            f'<text x="{x + size_x / 2}" y="{y + size_y / 2 + 15}" text-anchor="middle" '
            f'font-size="10" fill="{INK}">{name.upper()} · {100 * value / total:.1f}%</text></g>'
        )
    for i in range(2):
        out.append(
            f'<text x="{box.left + (i + 0.5) * size_x}" y="{box.bottom + 14}" '
            f'text-anchor="middle" font-size="11" fill="{INK}">{i}</text>'
        )
        out.append(
            f'<text x="{box.left - 8}" y="{box.top + (i + 0.5) * size_y + 4}" '
            f'text-anchor="end" font-size="11" fill="{INK}">{i}</text>'
        )
    cy = (box.top + box.bottom) / 2
    out.append(
        f'<text x="{(box.left + box.right) / 2}" y="{box.height - 8}" text-anchor="middle" '
        f'font-size="11" fill="{INK}">predicted label</text>'
    )
    out.append(
        f'<text x="12" y="{cy}" text-anchor="middle" font-size="11" fill="{INK}" '
        f'transform="rotate(-90 12 {cy})">actual label</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


def importance_svg(items: Sequence[Importance], *, top: int = 12, title: str = "") -> str:
    shown = list(items[:top])
    label_w, bar_h, gap = 130, 16, 5
    width = 380
    height = TOP + len(shown) * (bar_h + gap) + 26
    box = Box(width=width, height=height)
    peak = max((i.value for i in shown), default=0.0) or 1.0
    heading = title or f"Feature importance (top {len(shown)} of {len(items)})"
    out = _open("importance", heading, box, f' data-bars="{len(shown)}"')
    span = width - label_w - 60
    for n, item in enumerate(shown):
        y = TOP + n * (bar_h + gap)
        w = round(span * item.value / peak, 2)
        name = item.name if len(item.name) <= 20 else item.name[:19] + "…"
        out.append(
            f'<g class="bar" data-feature="{escape(item.name)}" data-value="{item.value:.6g}">'
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" font-size="11" '
            f'fill="{INK}">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h}" fill="{BLUE}"/>'
            f'<text x="{label_w + w + 4}" y="{y + 12}" font-size="10" fill="{MUTED}">'
            f"{item.value:.3g}</text></g>"
        )
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True, kw_only=True)
class TrendPoint:
    run_id: str
    verdict: str  # the run's verdict; "rejected" marks a model the gate rejected
    values: dict[str, float]


def trend_svg(points: Sequence[TrendPoint], metrics: Sequence[str]) -> str:
    """Each metric across runs, oldest left; a rejected run's marker is a red cross."""
    values = [v for p in points for m in metrics if (v := p.values.get(m)) is not None]
    low = min(values, default=0.0)
    high = max(values, default=1.0)
    if high - low < 1e-9:
        low, high = low - 0.05, high + 0.05
    pad = (high - low) * 0.1
    box = Box(width=560, height=260, x0=0, x1=max(len(points) - 1, 1), y0=low - pad, y1=high + pad)
    out = _open(
        "trend", "Metrics across runs (oldest → newest)", box, f' data-runs="{len(points)}"'
    )
    out += _axes(box, "run", "value")
    for k, metric in enumerate(metrics):
        color = SERIES[k % len(SERIES)]
        known = [(i, p.values[metric]) for i, p in enumerate(points) if metric in p.values]
        if known:
            xs, ys = [float(i) for i, _ in known], [v for _, v in known]
            out.append(
                f'<path class="series" data-metric="{escape(metric)}" data-points="{len(known)}" '
                f'd="{_path(box, xs, ys)}" fill="none" stroke="{color}" stroke-width="2"/>'
            )
        for i, v in known:
            x, y = box.x(i), box.y(v)
            run, name = escape(points[i].run_id), escape(metric)
            cross = f"M{x - 4},{y - 4} L{x + 4},{y + 4} M{x - 4},{y + 4} L{x + 4},{y - 4}"
            tip = f"<title>{run}: {escape(metric)} {v:.4g} ({escape(points[i].verdict)})</title>"
            if points[i].verdict == "rejected":
                out.append(
                    f'<g class="marker rejected" data-run-id="{run}" data-metric="{name}">'
                    f'<path d="{cross}" stroke="{RED}" stroke-width="2"/>{tip}</g>'
                )
            else:
                out.append(
                    f'<circle class="marker" data-run-id="{run}" data-metric="{name}" '
                    f'cx="{x}" cy="{y}" r="3.5" fill="{color}">{tip}</circle>'
                )
    for k, metric in enumerate(metrics):
        x, y = box.left + 8 + k * 100, box.top + 6
        out.append(
            f'<rect x="{x}" y="{y}" width="10" height="10" fill="{SERIES[k % len(SERIES)]}"/>'
            f'<text x="{x + 14}" y="{y + 9}" font-size="10" fill="{INK}">{escape(metric)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


def evaluation_charts(
    quality: ModelQuality | None, importance: Sequence[Importance]
) -> dict[str, str]:
    """Every chart the evaluation has data for, by name (roc, pr, confusion, importance)."""
    charts: dict[str, str] = {}
    if quality is not None:
        charts["roc"] = roc_svg(quality)
        charts["pr"] = pr_svg(quality)
        charts["confusion"] = confusion_svg(quality)
    if importance:
        charts["importance"] = importance_svg(importance)
    return charts
