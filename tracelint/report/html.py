"""The self-contained offline HTML report.

Plots are SVG drawn here, server-side (so the page shows them without scripting); a small
embedded script adds hover tooltips and the trace browser.  Nothing is fetched: no external
script, style, font or image, and a Content-Security-Policy that forbids any fetch.  Every
text that comes from the data (group names, trace ids, trace texts, findings) is escaped
here or inserted by the script as text nodes, never as markup.
"""
from __future__ import annotations

import html
import json
import math
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .text import fmt_ci, fmt_num, fmt_pct, fmt_usd

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39",
           "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#9c9ede",
           "#cedb9c", "#e7ba52", "#ad494a")
FACTOR_COLORS = {"completion": "#e6862a", "conditional_correctness": "#c8423b",
                 "verbosity": "#3a78b5"}
LABEL_COLORS = {"degenerate-looping": "#c8423b", "verbose-but-engaged": "#e8b23a",
                "concise": "#4b9a5b"}
FACTOR_NAMES = {"completion": "completion (context)",
                "conditional_correctness": "conditional correctness (logic)",
                "verbosity": "verbosity"}


def esc(s: Any) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _n(x: float) -> str:
    """A compact coordinate."""
    return f"{x:.1f}".rstrip("0").rstrip(".") if math.isfinite(x) else "0"


class Svg:
    def __init__(self, width: int, height: int, name: str, title: str):
        self.w, self.h, self.name, self.title = width, height, name, title
        self.parts: List[str] = []

    def add(self, s: str) -> None:
        self.parts.append(s)

    def text(self, x: float, y: float, s: Any, anchor: str = "start", size: int = 11,
             cls: str = "", extra: str = "") -> None:
        self.add(f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}"'
                 f'{f" class={chr(34)}{cls}{chr(34)}" if cls else ""}{extra}>{esc(s)}</text>')

    def shape(self, tag: str, attrs: Dict[str, Any], tip: Optional[str] = None) -> None:
        a = " ".join(f'{k}="{esc(v)}"' for k, v in attrs.items())
        if tip:
            self.add(f'<{tag} {a} data-tip="{esc(tip)}"><title>{esc(tip)}</title></{tag}>')
        else:
            self.add(f"<{tag} {a}/>")

    def render(self) -> str:
        return (f'<svg class="plot" data-plot="{esc(self.name)}" role="img" '
                f'aria-label="{esc(self.title)}" viewBox="0 0 {self.w} {self.h}" '
                f'width="{self.w}" height="{self.h}" xmlns="http://www.w3.org/2000/svg">'
                + "".join(self.parts) + "</svg>")


def _color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _log_ticks(lo: float, hi: float) -> List[float]:
    ticks = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo * 0.9999 <= v <= hi * 1.0001:
                ticks.append(float(v))
        e += 1
    if len(ticks) > 8:
        ticks = [t for t in ticks if math.log10(t) == int(math.log10(t))] or ticks
    if len(ticks) < 3:  # less than a decade: every integer multiple
        ticks = []
        e = math.floor(math.log10(lo))
        while 10 ** e <= hi * 1.0001:
            ticks += [float(m * 10 ** e) for m in range(1, 10) if lo * 0.9999 <= m * 10 ** e <= hi * 1.0001]
            e += 1
    return ticks


def _lin_ticks(lo: float, hi: float, n: int = 5) -> List[float]:
    if hi <= lo:
        return [lo]
    step = 10 ** math.floor(math.log10((hi - lo) / n))
    for m in (1, 2, 5, 10):
        if (hi - lo) / (step * m) <= n:
            step *= m
            break
    t = math.ceil(lo / step) * step
    out = []
    while t <= hi + 1e-9 * step:
        out.append(round(t, 10))
        t += step
    return out


def _tick_label(v: float) -> str:
    if v >= 1000:
        return f"{v / 1000:g}k"
    return f"{v:g}"


class Axes:
    """Linear or log scales and axes inside an :class:`Svg`."""

    def __init__(self, svg: Svg, left: int, top: int, right: int, bottom: int,
                 x: Tuple[float, float], y: Tuple[float, float], xlog: bool, ylog: bool):
        self.svg = svg
        self.x0, self.x1 = left, svg.w - right
        self.y0, self.y1 = svg.h - bottom, top
        self.xd, self.yd, self.xlog, self.ylog = x, y, xlog, ylog

    def _s(self, v: float, d: Tuple[float, float], log: bool, a: float, b: float) -> float:
        lo, hi = d
        if log:
            v, lo, hi = math.log(max(v, 1e-300)), math.log(lo), math.log(hi)
        if hi == lo:
            return (a + b) / 2
        return a + (v - lo) / (hi - lo) * (b - a)

    def sx(self, v: float) -> float:
        return self._s(v, self.xd, self.xlog, self.x0, self.x1)

    def sy(self, v: float) -> float:
        return self._s(v, self.yd, self.ylog, self.y0, self.y1)

    def draw(self, xlabel: str, ylabel: str, yfmt=_tick_label) -> None:
        s = self.svg
        xt = _log_ticks(*self.xd) if self.xlog else _lin_ticks(*self.xd)
        yt = _log_ticks(*self.yd) if self.ylog else _lin_ticks(*self.yd)
        for v in xt:
            x = self.sx(v)
            s.add(f'<line class="grid" x1="{_n(x)}" y1="{_n(self.y0)}" x2="{_n(x)}" y2="{_n(self.y1)}"/>')
            s.text(x, self.y0 + 14, _tick_label(v), "middle", 10, "tick")
        for v in yt:
            y = self.sy(v)
            s.add(f'<line class="grid" x1="{_n(self.x0)}" y1="{_n(y)}" x2="{_n(self.x1)}" y2="{_n(y)}"/>')
            s.text(self.x0 - 5, y + 3, yfmt(v), "end", 10, "tick")
        s.add(f'<rect class="frame" x="{_n(self.x0)}" y="{_n(self.y1)}" '
              f'width="{_n(self.x1 - self.x0)}" height="{_n(self.y0 - self.y1)}"/>')
        s.text((self.x0 + self.x1) / 2, self.y0 + 30, xlabel, "middle", 11, "axis-label")
        s.add(f'<text class="axis-label" font-size="11" text-anchor="middle" '
              f'transform="translate({_n(self.x0 - 42)},{_n((self.y0 + self.y1) / 2)}) rotate(-90)">'
              f"{esc(ylabel)}</text>")


def _short(name: str, n: int = 46) -> str:
    return name if len(name) <= n else name[:n - 1] + "…"


def _left(names: Sequence[str]) -> int:
    """Left margin that fits the (shortened) group names at 11px."""
    return int(min(320, max(80, 14 + 6.3 * max((len(_short(x)) for x in names), default=8))))


def _empty(name: str, message: str) -> str:
    return f'<div class="empty" data-plot="{esc(name)}">{esc(message)}</div>'


# ----------------------------------------------------------------------------- plots

def plot_pareto(rep: Dict[str, Any], colors: Dict[str, str]) -> str:
    pts = [(g["group"], g["mean_tokens"], g["accuracy"], g) for g in rep["groups"]
           if g["mean_tokens"] and g["accuracy"] is not None]
    if not pts:
        return _empty("pareto", "No group has both accuracy and tokens (correctness unknown).")
    svg = Svg(900, 460, "pareto", "Accuracy against mean tokens, with the Pareto front")
    xs = [p[1] for p in pts]
    lo, hi = min(xs), max(xs)
    xlog = hi / lo > 8
    pad = (hi / lo) ** 0.06 if xlog else 0
    xd = (lo / pad, hi * pad) if xlog else (max(0.0, lo - 0.08 * (hi - lo + 1)), hi + 0.08 * (hi - lo + 1))
    ymin = min(p[2] for p in pts)
    yd = (max(0.0, math.floor((ymin - 0.05) * 10) / 10), 1.0)
    ax = Axes(svg, 60, 16, 150, 44, xd, yd, xlog, False)
    ax.draw("mean output tokens per trace (L)" + (", log scale" if xlog else ""),
            "accuracy (A)", lambda v: f"{v:.1f}")
    front = set(rep["pareto_front"])
    fpts = sorted([p for p in pts if p[0] in front], key=lambda p: p[1])
    if fpts:
        path = []
        for i, p in enumerate(fpts):
            x, y = ax.sx(p[1]), ax.sy(p[2])
            if i:
                path.append(f"L{_n(x)},{_n(ax.sy(fpts[i - 1][2]))}")
            path.append(f"{'M' if not i else 'L'}{_n(x)},{_n(y)}")
        path.append(f"L{_n(ax.x1)},{_n(ax.sy(fpts[-1][2]))}")
        svg.add(f'<path class="front" d="{" ".join(path)}"/>')
    boxes: List[Tuple[float, float, float, float]] = [
        (ax.sx(p[1]) - 5, ax.sy(p[2]) - 5, ax.sx(p[1]) + 5, ax.sy(p[2]) + 5) for p in pts]
    labels = []
    for name, t, a, g in sorted(pts, key=lambda p: (-(p[0] in front), p[1], p[2])):
        x, y = ax.sx(t), ax.sy(a)
        on = name in front
        tip = (f"{name}: accuracy {a:.3f}, mean tokens {t:,.0f} ({g['token_source']}), "
               f"E {fmt_num(g['efficiency'])} per 1k tokens"
               + (" — on the Pareto front" if on else ""))
        svg.shape("circle", {"cx": _n(x), "cy": _n(y), "r": 6 if on else 4.5,
                             "fill": colors[name], "class": "pt front-pt" if on else "pt"}, tip)
        label = _short(re.sub(r"^[^\s/]+/(?=\S)", "", name), 28)  # drop a provider/ prefix
        w = 5.6 * len(label)
        for dx, dy, anchor in ((8, -6, "start"), (8, 12, "start"), (-8, -6, "end"),
                               (-8, 12, "end"), (-w / 2, -11, "start"), (-w / 2, 19, "start")):
            x0 = x + dx - (w if anchor == "end" else 0)
            box = (x0, y + dy - 9, x0 + w, y + dy + 2)
            if box[0] < ax.x0 - 2 or box[2] > svg.w - 4 or box[1] < 2:
                continue
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in boxes):
                boxes.append(box)
                labels.append((x + dx, y + dy, label, anchor))
                break
    for lx, ly, label, anchor in labels:
        svg.text(lx, ly, label, anchor, 10, "pt-label")
    svg.add(f'<path class="front" d="M{_n(svg.w - 140)},24 h22"/>')
    svg.text(svg.w - 114, 28, "Pareto front", "start", 10)
    return svg.render()


def plot_decomposition(rep: Dict[str, Any]) -> str:
    gs = [g for g in rep["groups"] if g["n_scored"]]
    if not gs:
        return _empty("decomposition", "No group has known correctness.")
    cols = [("completion", "C completion", 1.0), ("conditional_correctness", "A|C cond. correctness", 1.0),
            ("accuracy", "A accuracy", 1.0),
            ("efficiency", "E correct / 1k tokens", max((g["efficiency"] or 0) for g in gs) or 1.0)]
    rowh, top, left = 20, 30, _left([g["group"] for g in gs])
    colw, gap = 130, 70
    svg = Svg(left + len(cols) * (colw + gap), top + rowh * len(gs) + 10, "decomposition",
              "Efficiency decomposition per group")
    for j, (_, title, _) in enumerate(cols):
        svg.text(left + j * (colw + gap), 16, title, "start", 11, "col-title")
    for i, g in enumerate(gs):
        y = top + i * rowh
        svg.text(left - 8, y + 13, _short(g["group"]), "end", 11)
        for j, (key, title, scale) in enumerate(cols):
            x = left + j * (colw + gap)
            v = g[key]
            svg.shape("rect", {"x": x, "y": y + 3, "width": colw, "height": rowh - 6,
                               "class": "track"})
            if v is None:
                svg.text(x + 4, y + 13, "n/a", "start", 10)
                continue
            w = max(0.0, min(1.0, v / scale)) * colw
            tip = f"{g['group']}: {title.split(' ', 1)[1]} = {fmt_num(v)}"
            if key == "efficiency":
                tip += (f" = 1000 x {fmt_num(g['completion'])} x "
                        f"{fmt_num(g['conditional_correctness'])} / {fmt_num(g['mean_tokens'])}")
            svg.shape("rect", {"x": x, "y": y + 3, "width": _n(max(w, 1.0)), "height": rowh - 6,
                               "class": f"bar bar-{key}"}, tip)
            svg.text(x + colw + 5, y + 13, fmt_num(v), "start", 10, "bar-value")
    return svg.render()


def plot_gap(rep: Dict[str, Any]) -> str:
    gs = [g for g in rep["groups"] if g["log_gap"] is not None]
    if not gs:
        return _empty("gap", "No efficiency to compare.")

    def val(v: Any) -> float:
        return math.inf if v == "inf" else float(v)
    pos_tot = [sum(max(0.0, val(v)) for v in g["log_gap"].values() if math.isfinite(val(v))) for g in gs]
    neg_tot = [sum(-min(0.0, val(v)) for v in g["log_gap"].values()) for g in gs]
    span_pos = max(pos_tot + [1e-9]) * 1.05
    span_neg = max(neg_tot + [0.0]) * 1.05
    rowh, top, left, width = 20, 44, _left([g["group"] for g in gs]), 560
    svg = Svg(left + width + 170, top + rowh * len(gs) + 10, "gap",
              "Log-efficiency gap to the best group, by factor")
    has_inf = any(not math.isfinite(val(v)) for g in gs for v in g["log_gap"].values())
    total = span_pos + span_neg + (0.25 * span_pos if has_inf else 0)
    zero = left + width * span_neg / total
    unit = width / total
    svg.text(left, 14, "ln E(best) - ln E(group) split into: ", "start", 11)
    lx: float = left + 200
    for f, c in FACTOR_COLORS.items():
        svg.add(f'<rect x="{_n(lx)}" y="5" width="10" height="10" fill="{c}"/>')
        svg.text(lx + 14, 14, FACTOR_NAMES[f], "start", 10)
        lx += 14 + 6.2 * len(FACTOR_NAMES[f]) + 12
    svg.add(f'<line class="zero" x1="{_n(zero)}" y1="{top - 4}" x2="{_n(zero)}" y2="{top + rowh * len(gs)}"/>')
    for i, g in enumerate(gs):
        y = top + i * rowh
        svg.text(left - 8, y + 13, _short(g["group"]), "end", 11)
        xp, xn = zero, zero
        for f in FACTOR_COLORS:
            v = val(g["log_gap"][f])
            tip = f"{g['group']}: {FACTOR_NAMES[f]} term {('infinite (factor is zero)' if not math.isfinite(v) else f'{v:+.3f}')}"
            if not math.isfinite(v):
                w = 0.25 * span_pos * unit
                svg.shape("rect", {"x": _n(xp), "y": y + 3, "width": _n(w), "height": rowh - 6,
                                   "fill": FACTOR_COLORS[f], "class": "seg inf"}, tip)
                svg.text(xp + w / 2, y + 14, "inf", "middle", 10, "on-bar")
                xp += w
            elif v > 0:
                w = v * unit
                svg.shape("rect", {"x": _n(xp), "y": y + 3, "width": _n(max(w, 0.5)),
                                   "height": rowh - 6, "fill": FACTOR_COLORS[f], "class": "seg"}, tip)
                xp += w
            elif v < 0:
                w = -v * unit
                xn -= w
                svg.shape("rect", {"x": _n(xn), "y": y + 3, "width": _n(max(w, 0.5)),
                                   "height": rowh - 6, "fill": FACTOR_COLORS[f],
                                   "class": "seg neg", "opacity": "0.45"}, tip)
        label = g["bottleneck"] or "-"
        svg.text(max(xp, zero) + 6, y + 13, label, "start", 10, "bn-label")
    return svg.render()


def plot_cost(rep: Dict[str, Any]) -> str:
    if rep.get("prices") is None:
        return _empty("cost", "No prices given: run with --prices prices.toml to see the cost per solved task.")
    gs = [g for g in rep["groups"] if g["cost_per_attempt"] is not None]
    if not gs:
        return _empty("cost", "No group could be priced (see the unpriced models in the cost table).")
    gs = sorted(gs, key=lambda g: (g["cost_per_solved"] is None, g["cost_per_solved"] or 0, g["group"]))
    mx = max([g["cost_per_solved"] or 0 for g in gs] + [g["cost_per_attempt"] for g in gs]) or 1.0
    rowh, top, left, width = 20, 26, _left([g["group"] for g in gs]), 520
    svg = Svg(left + width + 120, top + rowh * len(gs) + 10, "cost",
              "Expected cost per solved task, and per attempt")
    svg.add(f'<rect x="{left}" y="6" width="10" height="10" class="bar-solved"/>')
    svg.text(left + 14, 15, "cost per solved task", "start", 10)
    svg.add(f'<rect x="{left + 140}" y="6" width="10" height="10" class="bar-attempt"/>')
    svg.text(left + 154, 15, "cost per attempt", "start", 10)
    for i, g in enumerate(gs):
        y = top + i * rowh
        svg.text(left - 8, y + 13, _short(g["group"]), "end", 11)
        cps = g["cost_per_solved"]
        if cps is None:
            svg.text(left + 4, y + 13, "nothing solved", "start", 10)
        else:
            svg.shape("rect", {"x": left, "y": y + 2, "width": _n(max(cps / mx * width, 1)),
                               "height": rowh - 8, "class": "bar-solved"},
                      f"{g['group']}: {fmt_usd(cps)} per solved task (accuracy {fmt_num(g['accuracy'])})")
        cpa = g["cost_per_attempt"]
        svg.shape("rect", {"x": left, "y": y + rowh - 6, "width": _n(max(cpa / mx * width, 1)),
                           "height": 4, "class": "bar-attempt"},
                  f"{g['group']}: {fmt_usd(cpa)} per attempt")
        svg.text(left + max((cps or 0) / mx * width, cpa / mx * width) + 6, y + 13,
                 fmt_usd(cps) if cps is not None else "", "start", 10)
    return svg.render()


def _sample_points(pts: List[Tuple[float, float, str]], k: int) -> List[Tuple[float, float, str]]:
    pts = sorted(pts)
    if len(pts) <= k:
        return pts
    step = len(pts) / k
    return [pts[int(i * step)] for i in range(k)]


def plot_kappa(rep: Dict[str, Any], points: Dict[str, List[Tuple[float, float, str]]],
               colors: Dict[str, str], per_group: int = 120) -> str:
    gs = [g for g in rep["groups"] if g["n_workload"]]
    if not gs:
        return _empty("kappa", "No workload given: pass --workload-field F (or a workload field) "
                               "to see tokens per work unit against workload.")
    # points off a float plot (T/W or W beyond 1e300) are left out rather than drawn at inf
    pts = {g["group"]: _sample_points([p for p in points.get(g["group"], [])
                                       if 0 < p[0] < 1e300 and p[1] > 0 and p[1] / p[0] < 1e300],
                                      per_group) for g in gs}
    allp = [p for v in pts.values() for p in v]
    if not allp:
        return _empty("kappa", "No trace has both a positive workload and tokens.")
    wl, wh = min(p[0] for p in allp), max(p[0] for p in allp)
    rl, rh = min(p[1] / p[0] for p in allp), max(p[1] / p[0] for p in allp)
    xd = (wl / 1.15, wh * 1.15) if wh > wl else (wl / 2, wl * 2)
    yd = (rl / 1.3, rh * 1.3) if rh > rl else (rl / 2, rl * 2)
    svg = Svg(860, 440, "kappa", "Tokens per work unit against workload, with the fitted kappa line")
    ax = Axes(svg, 60, 16, 190, 44, xd, yd, True, True)
    ax.draw("workload W (log scale)", "tokens per work unit T/W (log)")
    for g in gs:
        name = g["group"]
        for w, t, tid in pts[name]:
            svg.shape("circle", {"cx": _n(ax.sx(w)), "cy": _n(ax.sy(t / w)), "r": 2.6,
                                 "fill": colors[name], "class": "pt small"},
                      f"{name} · {tid}: W={w:g}, T={t:,.0f}, T/W={t / w:,.1f}")
    if all(g["kappa"] is None for g in gs):
        svg.text((ax.x0 + ax.x1) / 2, ax.y1 + 16, "κ is not defined: the workload does not vary "
                 "within any group", "middle", 11, "warn")
    ly = 24
    for g in gs:
        name = g["group"]
        if g["kappa"] is not None and pts[name]:
            ws = [p[0] for p in pts[name]]
            a, b = min(ws), max(ws)
            la = g["kappa_intercept"] + g["kappa"] * math.log(a)
            lb = g["kappa_intercept"] + g["kappa"] * math.log(b)
            # a fit beyond float range (workloads near 1e-300) has no line to draw
            if math.isfinite(la) and math.isfinite(lb) and max(la, lb) < 700:
                ya, yb = math.exp(la), math.exp(lb)
                svg.shape("line", {"x1": _n(ax.sx(a)), "y1": _n(ax.sy(ya)), "x2": _n(ax.sx(b)),
                                   "y2": _n(ax.sy(yb)), "stroke": colors[name], "class": "fit"},
                          f"{name}: kappa = {g['kappa']:.3f} {fmt_ci(g['kappa_ci'])}, "
                          f"VO = {fmt_num(g['vo'])} tokens/unit")
        svg.add(f'<rect x="{svg.w - 180}" y="{ly - 8}" width="10" height="10" fill="{colors[name]}"/>')
        k = "undefined" if g["kappa"] is None else f"{g['kappa']:+.2f}"
        svg.text(svg.w - 166, ly + 1, f"{name[:20]}  κ {k}", "start", 10)
        ly += 14
    return svg.render()


def plot_labels(rep: Dict[str, Any]) -> str:
    gs = rep["groups"]
    rowh, top, left, width = 20, 26, _left([g["group"] for g in gs]), 420
    svg = Svg(left + width + 330, top + rowh * len(gs) + 10, "labels",
              "Label shares and tokens spent after a loop's onset")
    lx: float = left
    for lab, c in LABEL_COLORS.items():
        svg.add(f'<rect x="{lx}" y="6" width="10" height="10" fill="{c}"/>')
        svg.text(lx + 14, 15, lab, "start", 10)
        lx += 14 + 6.5 * len(lab) + 12
    lx2 = left + width + 20
    svg.text(lx2, 15, "share of tokens in loops", "start", 10)
    max_share = max([g["loop_token_share"] or 0 for g in gs] + [0.01])
    for i, g in enumerate(gs):
        y = top + i * rowh
        svg.text(left - 8, y + 13, _short(g["group"]), "end", 11)
        if g["label_shares"] is None:
            svg.shape("rect", {"x": left, "y": y + 3, "width": width, "height": rowh - 6,
                               "class": "track"})
            svg.text(left + width / 2, y + 13, "not available (no reasoning text)", "middle", 10)
            svg.text(lx2, y + 13, "not available", "start", 10)
            continue
        x = left
        for lab, c in LABEL_COLORS.items():
            share = g["label_shares"][lab]
            w = share * width
            if w > 0:
                svg.shape("rect", {"x": _n(x), "y": y + 3, "width": _n(w), "height": rowh - 6,
                                   "fill": c, "class": "seg"},
                          f"{g['group']}: {lab} {fmt_pct(share)} of {g['n_with_text']:,} traces with text")
            x += w
        share = g["loop_token_share"] or 0.0
        svg.shape("rect", {"x": lx2, "y": y + 3, "width": _n(max(share / max_share * 150, 1)),
                           "height": rowh - 6, "class": "bar-loop"},
                  f"{g['group']}: {fmt_num(round(g['loop_tokens'] or 0))} tokens after a loop onset "
                  f"({fmt_pct(share)} of its tokens), {g['loop_traces']} looping traces")
        svg.text(lx2 + max(share / max_share * 150, 1) + 5, y + 13,
                 f"{fmt_pct(share)} ({fmt_num(round(g['loop_tokens'] or 0))} tok)", "start", 10)
    return svg.render()


# ----------------------------------------------------------------------------- tables

_NUMERIC = re.compile(r"^[-+$]?[\d,.]+%?$|^-$|^\[.*\]$")


def _td(c: Any) -> str:
    s = "" if c is None else str(c)
    return f'<td class="r">{esc(s)}</td>' if _NUMERIC.match(s) else f"<td>{esc(s)}</td>"


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], cls: str = "") -> str:
    h = "".join(f"<th>{esc(x)}</th>" for x in headers)
    body = "".join("<tr>" + "".join(_td(c) for c in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{h}</tr></thead><tbody>{body}</tbody></table>'


def _decomp_table(rep: Dict[str, Any]) -> str:
    rows = [[g["group"], fmt_num(g["n"]), fmt_num(g["unknown_correctness"]),
             fmt_num(g["completion"]), fmt_num(g["conditional_correctness"]),
             fmt_num(g["accuracy"]), fmt_num(g["mean_tokens"]), fmt_num(g["efficiency"]),
             g["token_source"] + ("" if g["token_source"] != "mixed" else
                                  " (" + ", ".join(f"{k} {v}" for k, v in g["token_sources"].items()) + ")"),
             g["bottleneck"] or "-"] for g in rep["groups"]]
    return _table(["group", "n", "unknown correctness", "C", "A|C", "A", "L (tokens)",
                   "E per 1k tokens", "token source", "bottleneck"], rows, "num")


def _workload_table(rep: Dict[str, Any]) -> str:
    if not any(g["vo"] is not None for g in rep["groups"]):
        return ""
    rows = [[g["group"], fmt_num(g["n_workload"]), fmt_num(g["vo"]), fmt_ci(g["vo_ci"]),
             fmt_num(g["kappa"]), fmt_ci(g["kappa_ci"])] for g in rep["groups"]]
    return _table(["group", "n with workload", "VO tokens per unit", "95% CI", "κ", "95% CI"], rows, "num")


def _cost_table(rep: Dict[str, Any]) -> str:
    if rep.get("prices") is None:
        return ""
    rows = []
    for g in rep["groups"]:
        p = g.get("price")
        rows.append([g["group"], fmt_num(p["input"]) if p else "-", fmt_num(p["output"]) if p else "-",
                     fmt_usd(g["cost_per_attempt"]), fmt_usd(g["cost_per_solved"]),
                     ("unpriced: " + ", ".join(g["unpriced_models"])) if g["unpriced_models"]
                     else (p["source"] if p else "")])
    out = _table(["group", "input $/M", "output $/M", "cost per attempt", "cost per solved task",
                  "price source"], rows, "num")
    fe = rep.get("false_economy") or []
    if fe:
        out += "<p><b>False economy</b> (cheaper per token, dearer per solved task):</p><ul>" + "".join(
            f"<li>{esc(p['cheaper_per_token'])}: {esc(fmt_usd(p['cost_per_solved_cheaper']))} per solved task, "
            f"against {esc(fmt_usd(p['cost_per_solved_dearer']))} for {esc(p['dearer_per_token'])}</li>"
            for p in fe) + "</ul>"
    else:
        out += "<p>False economy: none.</p>"
    return out


def _budget_section(rep: Dict[str, Any]) -> str:
    parts = []
    gs = rep["groups"]
    if any(g["budget"]["n_with_budget"] for g in gs):
        rows = []
        for g in gs:
            b = g["budget"]
            if not b["n_with_budget"]:
                rows.append([g["group"], "0", "-", "-", "-", "-", "-", "-"])
                continue
            q = b["overrun_ratio_quantiles"]
            rows.append([g["group"], fmt_num(b["n_with_budget"]), fmt_pct(b["at_or_over_budget_share"]),
                         fmt_pct(b["overrun"]["gt_1x"]), fmt_pct(b["overrun"]["gt_1_5x"]),
                         fmt_pct(b["overrun"]["gt_2x"]), fmt_num(q["p50"]), fmt_num(q["max"])])
        parts.append("<p class=\"note\">Adherence: share of traces at or over their budget, and "
                     "of traces whose tokens exceed 1x, 1.5x and 2x the budget.</p>")
        parts.append(_table(["group", "traces with a budget", "at/over budget", "over 1x",
                             "over 1.5x", "over 2x", "tokens/budget p50", "max"], rows, "num"))
    else:
        parts.append("<p>No budget set on any trace.</p>")
    sweeps = [(g["group"], g["budget_sweep"]) for g in gs if g["budget_sweep"]]
    if sweeps:
        rows = [[name, fmt_num(lv["budget"]), fmt_num(lv["n"]), fmt_num(lv["mean_tokens"]),
                 fmt_num(lv["accuracy"]), fmt_num(sw["min_solving_budget_counts"].get(str(lv["budget"]), 0))]
                for name, sw in sweeps for lv in sw["levels"]]
        parts.append("<h2>Tasks run under several budgets</h2>")
        parts.append(_table(["group", "budget", "traces", "mean tokens", "accuracy",
                             "tasks whose minimal solving budget this is"], rows, "num"))
        parts.append("<ul>" + "".join(
            f"<li>{esc(name)}: " + esc(f"tokens rise again below a budget of {sw['rises_below']:,}"
                                       if sw["elastic"] else "tokens fall as the budget shrinks")
            + "</li>" for name, sw in sweeps) + "</ul>")
    scs = [(g["group"], sc) for g in gs for sc in (g["self_consistency"] or [])]
    if scs:
        rows = [[name, str(sc["k"]), fmt_num(sc["tasks"]), fmt_num(sc["tasks_stopped_early"]),
                 fmt_num(sc["tokens_all_samples"]), fmt_num(sc["tokens_early_stop"]),
                 fmt_pct(sc["saved_share"]), fmt_num(sc["accuracy_all_samples"]),
                 fmt_num(sc["accuracy_early_stop"])] for name, sc in scs]
        parts.append("<h2>Self-consistency early stop</h2><p class=\"note\">Stop sampling a task "
                     "once k of its samples agree; tokens saved and the accuracy of the vote.</p>")
        parts.append(_table(["group", "k", "tasks", "stopped early", "tokens (all samples)",
                             "tokens (early stop)", "saved", "accuracy (all)", "accuracy (early)"],
                            rows, "num"))
    return "".join(parts)


def _findings_table(rule_counts: Dict[str, Dict[str, int]]) -> str:
    codes = sorted({c for v in rule_counts.values() for c in v})
    if not codes:
        return "<p>No findings.</p>"
    rows = [[g] + [fmt_num(rule_counts[g].get(c, 0)) for c in codes] for g in sorted(rule_counts)]
    return _table(["group"] + codes, rows, "num findings-table")


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#243447;color:#fff;padding:14px 24px}
header h1{margin:0;font-size:20px} header p{margin:4px 0 0;color:#cfd8e3;font-size:13px}
main{padding:8px 24px 40px;max-width:1200px}
section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;margin:16px 0;padding:10px 16px}
h2{font-size:16px;margin:6px 0 8px} p.note{color:#555;font-size:12.5px;margin:4px 0}
table{border-collapse:collapse;font-size:12.5px;margin:6px 0}
th,td{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;white-space:nowrap}
td.r{text-align:right} th{background:#f3f5f7}
svg.plot{display:block;max-width:100%;height:auto;font-family:system-ui,sans-serif}
svg .grid{stroke:#eee} svg .frame{fill:none;stroke:#bbb} svg .tick{fill:#666}
svg .axis-label{fill:#333} svg .front{fill:none;stroke:#222;stroke-width:1.5;stroke-dasharray:5 3}
svg .pt{stroke:#fff;stroke-width:1} svg .pt.small{stroke:none;opacity:.55}
svg .front-pt{stroke:#222;stroke-width:1.5} svg .pt-label{fill:#333}
svg .track{fill:#f1f1f1} svg .bar{fill:#5b8cc0} svg .bar-efficiency{fill:#2f7d5b}
svg .bar-value{fill:#222} svg .col-title{font-weight:600;fill:#333}
svg .zero{stroke:#555} svg .bn-label{fill:#333;font-style:italic} svg .on-bar{fill:#fff}
svg .bar-solved{fill:#8a5fb3} svg .bar-attempt{fill:#d0b7e6} svg .bar-loop{fill:#c8423b}
svg .fit{stroke-width:2.2} svg .warn{fill:#a33} svg [data-tip]:hover{opacity:.8}
.empty{padding:18px;color:#666;background:#f6f6f6;border:1px dashed #ccc;border-radius:4px}
#tip{position:fixed;pointer-events:none;background:#222;color:#fff;padding:4px 8px;border-radius:4px;font-size:12px;max-width:420px;display:none;z-index:10}
.browser{display:flex;gap:14px;align-items:flex-start}
.browser .pick{flex:0 0 380px} .browser select{width:100%;font-size:12.5px}
.browser .view{flex:1;min-width:0}
#trace-text{position:relative;white-space:pre-wrap;word-break:break-word;font:12.5px/1.5 ui-monospace,Menlo,Consolas,monospace;background:#fcfcfc;border:1px solid #e5e5e5;padding:8px;max-height:520px;overflow:auto}
.hl-loop{background:#fde0dd} .hl-copy{background:#ddeeff;border-bottom:2px solid #5b8cc0}
.hl-claim{background:#ffe9a8;border-bottom:2px solid #c8423b}
.omitted{display:block;color:#888;font-style:italic;margin:6px 0;background:#f0f0f0}
.legend span{display:inline-block;padding:0 6px;margin-right:8px;font-size:12px}
#trace-meta{font-size:12.5px;color:#444;margin:4px 0} #trace-findings li{font-size:12.5px;cursor:pointer}
#trace-findings li:hover{text-decoration:underline}
details{margin:4px 0} details pre{white-space:pre-wrap;font-size:12px;background:#f7f7f7;padding:6px;max-height:200px;overflow:auto}
"""

JS = r"""
(function(){
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var tip = document.getElementById('tip');
  document.addEventListener('mouseover', function(e){
    var t = e.target.closest ? e.target.closest('[data-tip]') : null;
    if (!t) { tip.style.display = 'none'; return; }
    tip.textContent = t.getAttribute('data-tip'); tip.style.display = 'block';
  });
  document.addEventListener('mousemove', function(e){
    if (tip.style.display === 'block') { tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px'; }
  });
  var traces = data.browser || [];
  var gsel = document.getElementById('group-select'), tsel = document.getElementById('trace-select');
  var textBox = document.getElementById('trace-text'), meta = document.getElementById('trace-meta');
  var flist = document.getElementById('trace-findings');
  var prompt = document.getElementById('trace-prompt'), answer = document.getElementById('trace-answer');
  if (!gsel) return;
  var groups = [];
  traces.forEach(function(t){ if (groups.indexOf(t.group) < 0) groups.push(t.group); });
  groups.forEach(function(g){ var o = document.createElement('option'); o.value = g; o.textContent = g; gsel.appendChild(o); });
  function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  function fillTraces(){
    while (tsel.firstChild) tsel.removeChild(tsel.firstChild);
    traces.forEach(function(t, i){
      if (t.group !== gsel.value) return;
      var o = document.createElement('option'); o.value = i;
      o.textContent = (t.label || 'no reasoning text') + ' · ' + t.id + ' · ' + t.tokens.toLocaleString() + ' tok' + (t.flags.length ? ' · ' + t.flags.join(',') : '');
      tsel.appendChild(o);
    });
    if (tsel.options.length) { tsel.selectedIndex = 0; show(+tsel.value); }
  }
  function render(piece, spans){
    var off = piece.offset, s = piece.text, end = off + s.length;
    var cuts = [off, end];
    spans.forEach(function(sp){ if (sp.end > off && sp.start < end) { cuts.push(Math.max(sp.start, off)); cuts.push(Math.min(sp.end, end)); } });
    cuts = cuts.filter(function(v, i, a){ return a.indexOf(v) === i; }).sort(function(a, b){ return a - b; });
    var frag = document.createDocumentFragment();
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1]; if (b <= a) continue;
      var kinds = [], codes = [];
      spans.forEach(function(sp){ if (sp.start <= a && sp.end >= b) { if (kinds.indexOf(sp.kind) < 0) kinds.push(sp.kind); codes.push(sp.code); } });
      var txt = s.slice(a - off, b - off);
      if (!kinds.length) { frag.appendChild(document.createTextNode(txt)); continue; }
      var span = el('span', kinds.map(function(k){ return 'hl hl-' + k; }).join(' '), txt);
      span.setAttribute('data-start', a); span.setAttribute('data-tip', codes.join(', ') + ' @' + a + '–' + b);
      frag.appendChild(span);
    }
    return frag;
  }
  function show(i){
    var t = traces[i];
    meta.textContent = t.group + ' · ' + t.id + (t.source ? ' (' + t.source + ')' : '') + ' · ' + (t.label ? 'label ' + t.label : 'no reasoning text, no label') +
      ' · ' + t.tokens.toLocaleString() + ' tokens (' + t.token_source + ')' +
      ' · correct: ' + (t.correct === null ? 'unknown' : t.correct) + (t.truncated ? ' · truncated (' + t.truncation_reasons.join(', ') + ')' : '');
    while (textBox.firstChild) textBox.removeChild(textBox.firstChild);
    if (!t.reasoning_chars) textBox.appendChild(el('span', 'omitted', 'No reasoning text (hidden reasoning: only token counts).'));
    var last = 0;
    t.pieces.forEach(function(p){
      if (p.offset > last) textBox.appendChild(el('span', 'omitted', '… ' + (p.offset - last).toLocaleString() + ' characters omitted …'));
      textBox.appendChild(render(p, t.spans)); last = p.offset + p.text.length;
    });
    if (t.reasoning_chars > last) textBox.appendChild(el('span', 'omitted', '… ' + (t.reasoning_chars - last).toLocaleString() + ' characters omitted …'));
    var loopStart = textBox.querySelector('.hl-loop');
    textBox.scrollTop = loopStart ? Math.max(0, loopStart.offsetTop - 40) : 0;
    prompt.textContent = t.prompt + (t.prompt_chars > t.prompt.length ? '\n… (' + t.prompt_chars.toLocaleString() + ' characters in all)' : '');
    answer.textContent = t.answer + (t.answer_chars > t.answer.length ? '\n… (' + t.answer_chars.toLocaleString() + ' characters in all)' : '');
    while (flist.firstChild) flist.removeChild(flist.firstChild);
    if (!t.findings.length) flist.appendChild(el('li', null, 'no findings'));
    t.findings.forEach(function(f){
      var li = el('li', null, f.code + ' ' + f.name + ' @' + (f.field || 'reasoning') + '[' + f.start + ':' + f.end + '] ' + f.message);
      li.addEventListener('click', function(){
        var spans = textBox.querySelectorAll('span[data-start]');
        for (var k = 0; k < spans.length; k++) { if (+spans[k].getAttribute('data-start') >= f.start) { spans[k].scrollIntoView({block: 'center'}); break; } }
      });
      flist.appendChild(li);
    });
  }
  gsel.addEventListener('change', fillTraces);
  tsel.addEventListener('change', function(){ show(+tsel.value); });
  function init(){  // open on the first looping trace, else the first trace
    var first = 0;
    for (var i = 0; i < traces.length; i++) { if (traces[i].label === 'degenerate-looping') { first = i; break; } }
    gsel.value = traces[first].group; fillTraces();
  }
  if (traces.length) init();
})();
"""


def _json_for_script(obj: Any) -> str:
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return s.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def bound_browser(entries: List[Dict[str, Any]], max_total_chars: int) -> List[Dict[str, Any]]:
    """Keep whole entries, round-robin over groups in their priority order, until the texts
    reach ``max_total_chars``."""
    by_group: Dict[str, List[Dict[str, Any]]] = {}
    for e in entries:
        by_group.setdefault(e["group"], []).append(e)
    out: List[Dict[str, Any]] = []
    total, i = 0, 0
    queues = list(by_group.values())
    while any(i < len(q) for q in queues):
        for q in queues:
            if i < len(q):
                e = q[i]
                size = sum(len(p["text"]) for p in e["pieces"]) + len(e["prompt"]) + len(e["answer"])
                if total + size > max_total_chars and out:
                    continue
                out.append(e)
                total += size
        i += 1
    order = {id(e): k for k, e in enumerate(entries)}
    return sorted(out, key=lambda e: order[id(e)])


def render_html(rep: Dict[str, Any], *, browser: Sequence[Dict[str, Any]] = (),
                workload_points: Optional[Dict[str, List[Tuple[float, float, str]]]] = None,
                rule_counts: Optional[Dict[str, Dict[str, int]]] = None,
                title: str = "tracelint report", max_browser_chars: int = 1_500_000) -> str:
    """The whole page.  ``rep`` is the :func:`tracelint.aggregate.summarize` output (plus the
    ``meta``/``prices`` keys the command adds); ``browser`` the sampled traces;
    ``workload_points`` per group ``(W, T, trace id)`` for the kappa plot."""
    colors = {g["group"]: _color(i) for i, g in enumerate(rep["groups"])}
    entries = bound_browser(list(browser), max_browser_chars)
    meta = rep.get("meta", {})
    inputs = meta.get("inputs") or []
    sources = sorted({g["token_source"] for g in rep["groups"]})
    rho = rep["spearman_accuracy_efficiency"]
    rho_txt = ("not defined (needs 3 groups with accuracy and efficiency)" if rho is None else
               f"{rho:.3f} {fmt_ci(rep['spearman_ci'])} over {rep['spearman_groups']} groups"
               + (f" (bootstrap: {rep['spearman_bootstrap']})" if rep["spearman_bootstrap"] else ""))
    notes = "".join(f"<li>{esc(n)}</li>" for n in rep.get("notes") or [])
    n_groups_browser = len({e["group"] for e in entries})
    parts = [
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">",
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>",
        f"<style>{CSS}</style></head><body>",
        f"<header><h1>{esc(title)}</h1><p>{esc(rep['records'])} traces in {len(rep['groups'])} groups "
        f"(by {esc(', '.join(rep['by']))}) · inputs: {esc(', '.join(inputs[:6]) + (' …' if len(inputs) > 6 else ''))}"
        f" · token counts: {esc(', '.join(sources))} · tracelint {esc(meta.get('tracelint_version', ''))}</p></header>",
        "<main><div id=\"tip\"></div>",
        "<section id=\"summary\"><h2>Efficiency decomposition</h2>"
        "<p class=\"note\">E = 1000 · C · (A|C) / L correct answers per 1,000 output tokens. "
        "Traces whose correctness is unknown are left out of C, A|C, A, L and E and counted as "
        "unknown. The token source says where the counts come from (reported by the record, a "
        "named tokenizer, or the documented estimate).</p>",
        _decomp_table(rep), f"<p>Spearman ρ between the accuracy and the efficiency rankings: {esc(rho_txt)}. "
        f"Pareto front: {esc(', '.join(rep['pareto_front']) or '-')}.</p>",
        f"<ul class=\"note\">{notes}</ul>" if notes else "", "</section>",
        "<section><h2>Accuracy against mean tokens</h2><p class=\"note\">Each point is a group; "
        "the dashed line is the Pareto front (no other group is both more accurate and shorter).</p>",
        plot_pareto(rep, colors), "</section>",
        "<section><h2>Decomposition by group</h2>", plot_decomposition(rep),
        "<h2>Where each group loses efficiency against the best</h2>"
        "<p class=\"note\">ln E(best) − ln E(group) = [ln C(best) − ln C] + [ln A|C(best) − ln A|C] "
        "+ [ln L − ln L(best)]; the largest term names the bottleneck.</p>", plot_gap(rep), "</section>",
        "<section><h2>Cost per solved task</h2>", plot_cost(rep), _cost_table(rep), "</section>",
        "<section><h2>Tokens per work unit against workload</h2>"
        "<p class=\"note\">Lines: OLS fit of ln(T/W) on ln W; slope κ (T ∝ W^(1+κ)).</p>",
        plot_kappa(rep, workload_points or {}, colors), _workload_table(rep), "</section>",
        "<section><h2>Labels and tokens wasted in loops</h2><p class=\"note\">Loop tokens are the "
        "tokens after a loop's onset, proportional to the characters after it. Groups without "
        "reasoning text (hidden reasoning) show “not available”.</p>", plot_labels(rep), "</section>",
        "<section><h2>Budget</h2>", _budget_section(rep), "</section>",
        "<section id=\"browser-section\"><h2>Trace browser</h2>"
        f"<p class=\"note\">A sample of at most {esc(meta.get('browser_per_group', ''))} traces per group "
        f"({len(entries)} traces from {n_groups_browser} groups), looping and flagged traces first; long "
        "texts are cut, with a note where characters are omitted.</p>"
        "<p class=\"legend\"><span class=\"hl-loop\">loop (after its onset)</span>"
        "<span class=\"hl-copy\">copied from the prompt</span><span class=\"hl-claim\">wrong claim / answer</span></p>"
        "<div class=\"browser\"><div class=\"pick\"><label>group <select id=\"group-select\"></select></label>"
        "<select id=\"trace-select\" size=\"16\"></select></div><div class=\"view\">"
        "<div id=\"trace-meta\"></div><details><summary>prompt</summary><pre id=\"trace-prompt\"></pre></details>"
        "<div id=\"trace-text\"></div><details open><summary>answer</summary><pre id=\"trace-answer\"></pre></details>"
        "<b>Findings</b><ul id=\"trace-findings\"></ul></div></div></section>",
        "<section id=\"findings\"><h2>Findings by rule and group</h2>",
        _findings_table(rule_counts or {}), "</section>",
        "</main>",
        f"<script type=\"application/json\" id=\"report-data\">{_json_for_script({'browser': entries})}</script>",
        f"<script>{JS}</script></body></html>",
    ]
    return "".join(parts)
