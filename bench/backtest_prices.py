"""Rolling-origin backtest of the price forecasts over any CSV files in the shared format.

    .venv/bin/python bench/backtest_prices.py FILE.csv [FILE.csv ...] [--jobs 2]

Columns: date, commodity, market, unit, price (one or more series per file). For every series,
at its own frequency (daily with gaps, weekly or monthly): the model is chosen with the
production code (`market.prices.forecasting.choose`) from the data before the evaluation
window only; then the chosen method, naive, seasonal naive and, when the `statsforecast`
package is installed, its AutoETS and AutoARIMA, all forecast from the same origins.
Reports MASE and sMAPE at horizons 1, 4 and 12 periods and the coverage of the chosen
method's 80% and 95% intervals. The last line is

    summary h1=<r1> h4=<r4> h12=<r12> coverage80=<c80> coverage95=<c95>

with r the chosen method's mean MASE over series divided by naive's, and c a fraction.
"""
from __future__ import annotations

import argparse
import csv
import math
import sys
import time
import warnings
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from market.prices import forecasting as F

HORIZONS = (1, 4, 12)
# Evaluation origins per frequency (daily origins are every second day).
EVAL_ORIGINS = {"D": 120, "W": 52, "M": 60}


def read_series(paths) -> dict:
    series = defaultdict(lambda: {"dates": [], "values": [], "unit": None, "file": None})
    for path in paths:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                key = (row["commodity"], row["market"])
                s = series[key]
                if s["unit"] not in (None, row["unit"]):
                    raise SystemExit(f"{path}: {key} mixes units {s['unit']} and {row['unit']}")
                s["unit"], s["file"] = row["unit"], Path(path).name
                s["dates"].append(row["date"])
                s["values"].append(float(row["price"]))
    return dict(series)


def _peer_models(freq):
    try:
        from statsforecast.models import AutoARIMA, AutoETS
    except ImportError:
        return None
    m = F.SEASON[freq]
    return {"AutoETS": lambda: AutoETS(season_length=m),
            "AutoARIMA": lambda: AutoARIMA(season_length=m)}


def _interp(y: np.ndarray) -> np.ndarray:
    """Past-only linear interpolation of gaps (statsforecast needs a gap-free series)."""
    s = pd.Series(y).interpolate(limit_area="inside")
    return s.dropna().to_numpy()


def _peer_errors(make, y, o0, origins, scale, freq):
    window = F.FIT_WINDOW[freq]
    model = make()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(_interp(y[max(0, o0 - window):o0]))
        errors = F.Errors()
        for o in origins:
            past = _interp(y[max(0, o - window):o])
            fc = model.forward(y=past, h=F.HORIZON)
            mean = np.asarray(fc["mean"], dtype=float)
            for k in range(F.HORIZON):
                t = o + k
                if t >= len(y) or np.isnan(y[t]):
                    continue
                a, p = math.exp(y[t]), math.exp(mean[k])
                errors.add(k + 1, abs(a - p) / scale, 200 * abs(a - p) / (a + p), 0.0)
    return errors


def evaluate(key, s) -> dict:
    started = time.perf_counter()
    freq = F.infer_frequency(s["dates"])
    y = np.log(F.regularise(s["dates"], s["values"], freq).to_numpy())
    count, min_train = F._backtest_plan(freq)
    origins = F.origins_for(y, freq, EVAL_ORIGINS[freq], max(min_train + count, len(y) // 3))
    out = {"key": key, "file": s["file"], "unit": s["unit"], "freq": freq,
           "n_obs": int((~np.isnan(y)).sum()), "periods": len(y), "origins": len(origins),
           "methods": {}, "coverage": {}}
    if len(origins) < 5:
        out["skipped"] = "too short"
        return out
    o0 = origins[0]
    scale = F.mase_scale(y[:o0])
    choice = F.choose(y[:o0], freq)
    out["chosen"] = choice.model
    out["interval_scale"] = choice.interval_scale
    chosen = F.make_model(choice.model, freq)
    chosen._freq = freq
    errors = F.backtest(chosen, y, o0, origins, scale)
    out["methods"]["chosen"] = errors
    # Adaptive conformal bands per horizon, started from the residuals of choose()'s own
    # backtest (before the evaluation window) and updated online over the evaluation window,
    # each point using only outcomes revealed before its origin.
    step = 2 if freq == "D" else 1
    hits = {}
    for h in HORIZONS:
        if not errors.z.get(h):
            continue
        init = choice.residuals.get(h, [])
        delay = max(0, math.ceil(h / step) - 1)
        hits[h] = (F.adaptive_hits(init, errors.z[h], 0.8, delay)[0],
                   F.adaptive_hits(init, errors.z[h], 0.95, delay)[0])
    out["coverage"] = {"80": [x for h in hits for x in hits[h][0]],
                       "95": [x for h in hits for x in hits[h][1]]}
    out["coverage_h"] = {h: (float(np.mean(a)), float(np.mean(b)), len(a))
                         for h, (a, b) in hits.items()}
    out["raw_coverage"] = {
        "80": float(np.mean([abs(v) <= F.Z80 for h in HORIZONS for v in errors.z.get(h, [])])),
        "95": float(np.mean([abs(v) <= F.Z95 for h in HORIZONS for v in errors.z.get(h, [])])),
    }
    naive = F.Naive(halflife=F.VOL_HALFLIFE[freq])
    naive._freq = freq
    out["methods"]["naive"] = F.backtest(naive, y, o0, origins, scale)
    snaive = F.SeasonalNaive(F.SEASON[freq], halflife=F.VOL_HALFLIFE[freq])
    snaive._freq = freq
    out["methods"]["seasonal_naive"] = F.backtest(snaive, y, o0, origins, scale)
    peers = _peer_models(freq)
    out["peers_installed"] = peers is not None
    for name, make in (peers or {}).items():
        try:
            out["methods"][name] = _peer_errors(make, y, o0, origins, scale, freq)
        except Exception as exc:  # noqa: BLE001 - report, do not abort the whole run
            out.setdefault("peer_failures", {})[name] = repr(exc)[:80]
    out["seconds"] = time.perf_counter() - started
    return out


# --- exogenous signal: the production code's regression with ARIMA errors (F.Arimax) ---------

def evaluate_exog(key, s, exogs: dict) -> dict:
    """The univariate choice, naive and the regression on every given exogenous series (each
    with its own lag, chosen before the evaluation window) from the same origins."""
    freq = F.infer_frequency(s["dates"])
    series = F.regularise(s["dates"], s["values"], freq)
    y = np.log(series.to_numpy())
    count, min_train = F._backtest_plan(freq)
    origins = F.origins_for(y, freq, EVAL_ORIGINS[freq], max(min_train + count, len(y) // 3))
    o0 = origins[0]
    scale = F.mase_scale(y[:o0])
    lags = [F.choose_lag(y, series.index, e["dates"], e["values"], o0) for e in exogs.values()]
    x = np.column_stack([F.exog_on_calendar(series.index, e["dates"], e["values"], lag)
                         for e, lag in zip(exogs.values(), lags)])
    choice = F.choose(y[:o0], freq)
    chosen = F.make_model(choice.model, freq)
    chosen._freq = freq
    naive = F.Naive(halflife=F.VOL_HALFLIFE[freq])
    naive._freq = freq
    arimax = F.Arimax(x, lags, list(exogs))
    arimax._freq = freq
    exog_errors = F.backtest(arimax, y, o0, origins, scale)
    names = [f"b[{n}]" for n in exogs] + ["ar.L1", "sigma2"]
    return {"key": key, "chosen": choice.model, "origins": len(origins),
            "params": dict(zip(names, map(float, arimax.params))),
            "lag": dict(zip(exogs, lags)), "first_origin": str(series.index[o0].date()),
            "methods": {"chosen": F.backtest(chosen, y, o0, origins, scale),
                        "naive": F.backtest(naive, y, o0, origins, scale),
                        "arimax": exog_errors}}


def _fmt(x):
    return "   -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:6.3f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exog", action="append", help="a CSV of an exogenous series (e.g. "
                        "ICE London robusta futures; repeat for several, e.g. a USD/VND rate): "
                        "daily VND series are also forecast by regression on them, each at its "
                        "previous trading day's value")
    args = parser.parse_args(argv)
    series = read_series(args.files)
    if args.exog:
        exogs = {Path(f).stem: next(iter(read_series([f]).values())) for f in args.exog}
        for key, s in series.items():
            if F.infer_frequency(s["dates"]) != "D" or s["unit"] != "VND/kg":
                continue
            r = evaluate_exog(key, s, exogs)
            print(f"\n## {key[0]} / {key[1]} with {', '.join(exogs)} as exogenous "
                  f"(origins={r['origins']} from {r['first_origin']}, univariate choice "
                  f"{r['chosen']}, lags {r['lag']} in days, chosen before the evaluation window)")
            print("params: " + ", ".join(f"{k}={v:.3f}" for k, v in r["params"].items()))
            print("  h |     chosen |      naive |     arimax | arimax/naive")
            for h in (1, 2, 4, 8, 12):
                m = {n: e.mase([h]) for n, e in r["methods"].items()}
                print(f"{h:3d} | {m['chosen']:10.3f} | {m['naive']:10.3f} | "
                      f"{m['arimax']:10.3f} | {m['arimax'] / m['naive']:12.3f}")
        return
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(evaluate, series.keys(), series.values()))
    peers_installed = any(r.get("peers_installed") for r in results)
    names = ["chosen", "naive", "seasonal_naive", "AutoETS", "AutoARIMA"]
    totals = defaultdict(list)  # (method, h) -> per-series MASE
    cover = {"80": [], "95": []}
    per_series_cov = []
    for r in results:
        print(f"\n## {r['key'][0]} / {r['key'][1]} ({r['unit']}, {r['file']}): freq={r['freq']} "
              f"obs={r['n_obs']} periods={r['periods']} origins={r['origins']}")
        if r.get("skipped"):
            print(f"skipped: {r['skipped']}")
            continue
        print(f"chosen model: {r['chosen']} (interval scale {r['interval_scale']:.2f}); "
              f"{r['seconds']:.1f} s")
        print("  h | " + " | ".join(f"{n[:14]:>14} MASE sMAPE" for n in names))
        for h in HORIZONS:
            cells = []
            for n in names:
                e = r["methods"].get(n)
                if e is None:
                    label = "not installed" if not peers_installed and n.startswith("Auto") else "-"
                    cells.append(f"{label:>26}")
                    continue
                m, sm = e.mase([h]), e.smape_mean([h])
                if not math.isnan(m):
                    totals[(n, h)].append(m)
                cells.append(f"{_fmt(m):>19} {sm:6.2f}")
            print(f"{h:3d} | " + " | ".join(cells))
        c80, c95 = np.mean(r["coverage"]["80"]), np.mean(r["coverage"]["95"])
        cover["80"] += r["coverage"]["80"]
        cover["95"] += r["coverage"]["95"]
        print(f"coverage of the chosen method's calibrated intervals (h=1,4,12): 80%: {c80:.3f}  "
              f"95%: {c95:.3f} (uncalibrated model bands: {r['raw_coverage']['80']:.3f} / "
              f"{r['raw_coverage']['95']:.3f})")
        for h, (h80, h95, n) in r["coverage_h"].items():
            flag = "" if 0.72 <= h80 <= 0.88 and 0.88 <= h95 <= 0.99 else "  OUTSIDE 72-88% / 88-99%"
            print(f"  coverage h={h:2d}: 80%: {h80:.3f}  95%: {h95:.3f}  (n={n}){flag}")
            per_series_cov.append((r["key"], h, h80, h95, n, bool(flag)))
        for name, why in r.get("peer_failures", {}).items():
            print(f"{name} failed: {why}")

    print("\n## mean MASE over series")
    print("  h | " + " | ".join(f"{n:>14}" for n in names))
    ratios = {}
    for h in HORIZONS:
        row = []
        for n in names:
            vals = totals.get((n, h))
            row.append(f"{np.mean(vals):14.3f}" if vals else f"{'not installed' if n.startswith('Auto') and not peers_installed else '-':>14}")
        print(f"{h:3d} | " + " | ".join(row))
        ratios[h] = np.mean(totals[("chosen", h)]) / np.mean(totals[("naive", h)])
    print("\n## per-series coverage of the calibrated bands (target 80%: 72-88%, 95%: 88-99%)")
    outside = [c for c in per_series_cov if c[5]]
    print(f"{len(per_series_cov) - len(outside)} of {len(per_series_cov)} (series, horizon) "
          f"cells inside the targets")
    for key, h, h80, h95, n, _ in outside:
        print(f"  outside: {key[0]}/{key[1]} h={h}: 80% {h80:.3f}, 95% {h95:.3f} (n={n})")
    print(f"total {time.perf_counter() - started:.1f} s on {args.jobs} processes, "
          f"{len(results)} series")
    print(f"summary h1={ratios[1]:.3f} h4={ratios[4]:.3f} h12={ratios[12]:.3f} "
          f"coverage80={np.mean(cover['80']):.3f} coverage95={np.mean(cover['95']):.3f}")


if __name__ == "__main__":
    main()
