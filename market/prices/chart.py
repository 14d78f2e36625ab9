"""Server-rendered SVG: price history with the forecast fan (80% and 95% bands). No script."""
from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

from market.charts import fmt as _fmt

W, H = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 16, 16, 40


def render(history: list[tuple[date, float]], points: list[dict], *, title: str,
           labels: dict) -> str:
    """`history`: (date, price); `points`: forecast dicts with date/mean/lo80/hi80/lo95/hi95.
    `labels`: translated 'history', 'forecast', 'band80', 'band95'."""
    if not history:
        return ""
    fc = [(date.fromisoformat(p["date"]), p) for p in points]
    days = [d for d, _ in history] + [d for d, _ in fc]
    values = [v for _, v in history] + [p[k] for _, p in fc for k in ("lo95", "hi95")]
    d0, d1 = min(days), max(days)
    v0, v1 = min(values), max(values)
    pad = (v1 - v0) * 0.05 or v1 * 0.05 or 1
    v0, v1 = v0 - pad, v1 + pad
    span = max((d1 - d0).days, 1)

    def x(d: date) -> float:
        return LEFT + (W - LEFT - RIGHT) * (d - d0).days / span

    def y(v: float) -> float:
        return TOP + (H - TOP - BOTTOM) * (1 - (v - v0) / (v1 - v0))

    def path(pairs) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{x(d):.1f},{y(v):.1f}"
                        for i, (d, v) in enumerate(pairs))

    def band(lo: str, hi: str) -> str:
        start = [(history[-1][0], history[-1][1])]
        upper = start + [(d, p[hi]) for d, p in fc]
        lower = [(d, p[lo]) for d, p in reversed(fc)] + start
        return path(upper + lower) + " Z"

    parts = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" role="img" '
        f'class="price-chart" aria-label="{escape(title)}">'),
        f"<title>{escape(title)}</title>",
        (f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" '
        'fill="#fafaf7" stroke="#ddd"/>'),
    ]
    for i in range(5):
        v = v0 + (v1 - v0) * i / 4
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#555">{_fmt(v)}</text>')
    ticks = [(d0, "start"), (d1, "end")]
    if x(d1) - x(history[-1][0]) > 90:
        ticks.append((history[-1][0], "middle"))
    for d, anchor in ticks:
        parts.append(f'<text x="{x(d):.1f}" y="{H - BOTTOM + 16}" font-size="11" '
                     f'text-anchor="{anchor}" fill="#555">{d.isoformat()}</text>')
    if fc:
        parts.append(f'<path d="{band("lo95", "hi95")}" fill="#2b6cb0" fill-opacity="0.15">'
                     f'<title>{escape(labels["band95"])}</title></path>')
        parts.append(f'<path d="{band("lo80", "hi80")}" fill="#2b6cb0" fill-opacity="0.3">'
                     f'<title>{escape(labels["band80"])}</title></path>')
        parts.append(f'<path d="{path([history[-1]] + [(d, p["mean"]) for d, p in fc])}" '
                     'fill="none" stroke="#2b6cb0" stroke-width="2" stroke-dasharray="5 4"/>')
    parts.append(f'<path d="{path(history)}" fill="none" stroke="#6f4e37" stroke-width="1.6"/>')
    ly = H - 10
    parts.append(f'<line x1="{LEFT}" x2="{LEFT + 20}" y1="{ly - 4}" y2="{ly - 4}" '
                 'stroke="#6f4e37" stroke-width="2"/>')
    parts.append(f'<text x="{LEFT + 26}" y="{ly}" font-size="11">{escape(labels["history"])}</text>')
    if fc:
        parts.append(f'<rect x="{LEFT + 160}" y="{ly - 10}" width="20" height="10" '
                     'fill="#2b6cb0" fill-opacity="0.3"/>')
        parts.append(f'<text x="{LEFT + 186}" y="{ly}" font-size="11">'
                     f'{escape(labels["forecast"])}</text>')
    parts.append("</svg>")
    return "".join(parts)
