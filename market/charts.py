"""Server-rendered SVG charts shared by the price pages and the department desk: no script,
each with a <title> and an aria-label; the page shows the same numbers as a table beside it."""
from __future__ import annotations

from xml.sax.saxutils import escape


def fmt(value: float) -> str:
    """Axis labels in the page's locale (121.210 in vi, 121,210 in en)."""
    from market.i18n import format_number

    return format_number(round(value) if value >= 1000 else round(value, 2))


def _open(width: int, height: int, title: str, css: str) -> list[str]:
    return [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'role="img" class="{css}" aria-label="{escape(title)}">'),
            f"<title>{escape(title)}</title>"]


def bars(rows: list[tuple[str, float]], *, title: str, width: int = 760) -> str:
    """Horizontal bars, largest first as given: (label, value)."""
    if not rows:
        return ""
    bar, gap, left, right = 18, 8, 230, 110
    height = len(rows) * (bar + gap) + gap
    top = max((v for _, v in rows), default=0) or 1
    parts = _open(width, height, title, "chart bar-chart")
    for i, (label, value) in enumerate(rows):
        y = gap + i * (bar + gap)
        w = max((width - left - right) * value / top, 0)
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + 13}" font-size="12" text-anchor="end" '
                     f'fill="#333">{escape(short)}</text>')
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="#2f6b3b">'
                     f'<title>{escape(label)}: {fmt(value)}</title></rect>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{y + 13}" font-size="12" '
                     f'fill="#333">{fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def lines(labels: list[str], series: list[tuple[str, list[float], str]], *, title: str,
          width: int = 760, height: int = 280) -> str:
    """Line chart over the same x labels: series as (name, values, colour); the first is
    drawn solid, the others dashed (the year before)."""
    if not labels or not series:
        return ""
    left, right, top, bottom = 90, 16, 16, 44
    values = [v for _, vs, _ in series for v in vs]
    v1 = max(values, default=0) or 1
    n = max(len(labels) - 1, 1)

    def x(i):
        return left + (width - left - right) * i / n

    def y(v):
        return top + (height - top - bottom) * (1 - v / v1)

    parts = _open(width, height, title, "chart line-chart")
    parts.append(f'<rect x="{left}" y="{top}" width="{width - left - right}" '
                 f'height="{height - top - bottom}" fill="#fafaf7" stroke="#ddd"/>')
    for i in range(5):
        v = v1 * i / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#eee"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" '
                     f'text-anchor="end" fill="#555">{fmt(v)}</text>')
    step = max(len(labels) // 6, 1)
    for i in range(0, len(labels), step):
        anchor = "start" if i == 0 else "end" if i == len(labels) - 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" font-size="11" '
                     f'text-anchor="{anchor}" fill="#555">{escape(labels[i])}</text>')
    for k, (name, vs, colour) in enumerate(series):
        d = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs))
        dash = ' stroke-dasharray="5 4"' if k else ""
        parts.append(f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="2"{dash}>'
                     f'<title>{escape(name)}</title></path>')
        lx = left + k * 200
        parts.append(f'<line x1="{lx}" x2="{lx + 20}" y1="{height - 8}" y2="{height - 8}" '
                     f'stroke="{colour}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{lx + 26}" y="{height - 4}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
