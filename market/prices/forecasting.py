"""Price forecasting: per-series model choice by rolling-origin backtest, with intervals.

Pure numerics (numpy, pandas, statsmodels); no Flask, no database. Used by
`market.prices.services` and by `bench/backtest_prices.py`.

Each series is handled at its own frequency on a regular calendar ('D' daily, 'W' weekly
starting Monday, 'M' month start); days or months without an observation are missing values,
never filled in. The models work on log prices (prices move in proportions, and intervals on
the log scale stay positive); the state-space models of statsmodels skip missing values in the
Kalman filter, so gaps need no interpolation.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

HORIZON = 12
SEASON = {"D": 7, "W": 52, "M": 12}
PANDAS_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}
MIN_OBSERVATIONS = 8  # fewer than this: no forecast at all
# Below these many observations only naive / seasonal-naive are considered.
MIN_FOR_MODELS = {"D": 60, "W": 52, "M": 36}
# Fit on the most recent window only: old regimes say little about next month's price.
FIT_WINDOW = {"D": 730, "W": 260, "M": 300}
Z80, Z95 = 1.2815516, 1.9599640
# Volatility changes over time (coffee in 2024-25): interval widths follow an exponentially
# weighted estimate of recent volatility with this half-life, in observations.
VOL_HALFLIFE = {"D": 60, "W": 26, "M": 24}


# --- calendars ---------------------------------------------------------------------------------

def infer_frequency(dates) -> str:
    """'M' for monthly data, 'W' for weekly, 'D' for daily (irregular days included)."""
    ordered = sorted(pd.Timestamp(d) for d in dates)
    if len(ordered) < 2:
        return "D"
    gaps = np.diff(np.array(ordered, dtype="datetime64[D]")).astype(int)
    median = float(np.median(gaps))
    if median >= 25:
        return "M"
    if median >= 5:
        return "W"
    return "D"


def regularise(dates, values, freq: str) -> pd.Series:
    """Observations on a full calendar at `freq`; missing periods are NaN. Several
    observations in one period (aggregating daily to weekly/monthly) are averaged."""
    s = pd.Series(np.asarray(values, dtype=float), index=pd.DatetimeIndex(pd.to_datetime(dates)))
    s = s.sort_index()
    if freq == "D":
        s = s.groupby(s.index.normalize()).mean()
        return s.asfreq("D")
    if freq == "W":
        keys = s.index.to_period("W-SUN").start_time  # weeks starting Monday
    else:
        keys = s.index.to_period("M").start_time
    s = s.groupby(keys).mean()
    return s.asfreq(PANDAS_FREQ[freq])


def future_dates(last: pd.Timestamp, freq: str, steps: int = HORIZON) -> list[date]:
    offset = pd.tseries.frequencies.to_offset(PANDAS_FREQ[freq])
    return [(last + offset * k).date() for k in range(1, steps + 1)]


def step_changes(y: np.ndarray) -> np.ndarray:
    """Changes of log price between consecutive observations, scaled to one period."""
    idx = np.flatnonzero(~np.isnan(y))
    return np.diff(y[idx]) / np.sqrt(np.maximum(np.diff(idx), 1))


def recent_sigma(y: np.ndarray, halflife: int) -> float:
    """Exponentially weighted volatility of one-period log changes (RiskMetrics style)."""
    d = step_changes(y)
    if len(d) < 2:
        return 0.05
    w = 0.5 ** (np.arange(len(d))[::-1] / halflife)
    return max(float(np.sqrt(np.sum(w * d * d) / np.sum(w))), 1e-4)


# --- models ------------------------------------------------------------------------------------
# Each model: fit(train_log) -> state; then forecasts from successive origins. All work on a
# float array of log prices with NaN for missing periods.

class Naive:
    name = "naive"
    label = "Naive (last price carried forward)"

    def __init__(self, season: int = 1, halflife: int = 24):
        self.season = season
        self.halflife = halflife

    def fit(self, y: np.ndarray) -> Naive:
        m = self.season
        idx = np.flatnonzero(~np.isnan(y))
        if m == 1:
            diffs = np.diff(y[idx]) / np.sqrt(np.maximum(np.diff(idx), 1))
        else:
            later = idx[idx >= m]
            diffs = y[later] - y[later - m]
            diffs = diffs[~np.isnan(diffs)]
        self.sigma = float(np.std(diffs)) if len(diffs) > 1 else 0.05
        self.sigma = max(self.sigma, 1e-4)
        self.base_sigma = max(float(np.std(step_changes(y))), 1e-4)
        # Spread of k-period changes, measured directly: monthly averages and trending
        # markets spread faster than sqrt(k) times the one-period change.
        self.sigma_k = {}
        for k in range(1, HORIZON + 1):
            ch = (y[k:] - y[:-k]) if len(y) > k else np.array([])
            ch = ch[~np.isnan(ch)]
            direct = float(np.sqrt(np.mean(ch ** 2))) if len(ch) >= 20 else 0.0
            self.sigma_k[k] = max(direct, self.sigma * math.sqrt(k))
        return self

    def _spread(self, k: int) -> float:
        if self.season > 1 or not getattr(self, "sigma_k", None):
            return self.sigma * math.sqrt(k)
        if k <= HORIZON:
            return self.sigma_k[k]
        return self.sigma_k[HORIZON] * math.sqrt(k / HORIZON)

    def start(self, y: np.ndarray) -> None:
        self.y = y

    def forecast(self, origin: int, steps: int):
        """Forecast periods origin .. origin+steps-1 from data y[:origin]."""
        past = self.y[:origin]
        idx = np.flatnonzero(~np.isnan(past))
        last_i = idx[-1]
        ratio = recent_sigma(past, self.halflife) / self.base_sigma
        mean = np.empty(steps)
        sd = np.empty(steps)
        for k in range(steps):
            t = origin + k
            if self.season > 1:
                back = t - self.season * (1 + (t - origin) // self.season)
                while back >= 0 and np.isnan(past[back]):
                    back -= self.season
                if back >= 0:
                    mean[k] = past[back]
                    sd[k] = ratio * self.sigma * math.sqrt(1 + (t - origin) // self.season)
                    continue
            mean[k] = past[last_i]
            sd[k] = ratio * self._spread(t - last_i)
        return mean, sd


class SeasonalNaive(Naive):
    name = "seasonal_naive"
    label = "Seasonal naive (same period last season)"


class StateSpace:
    """A statsmodels state-space model: parameters fitted once on the training window, then
    the Kalman filter is extended origin by origin (no refit), which keeps backtests fast."""

    def __init__(self, name: str, label: str, build, halflife: int = 24, extend: bool = True):
        self.name, self.label, self._build = name, label, build
        self.halflife = halflife
        # ETS with a concentrated initial level does not carry its state through `extend`:
        # it is filtered afresh over its window at every origin instead.
        self.extendable = extend

    def fit(self, y: np.ndarray) -> StateSpace:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.result = self._build(y).fit(disp=False, maxiter=200)
        self.params = self.result.params
        self._window = len(y)
        self.base_sigma = max(float(np.std(step_changes(y))), 1e-4)
        return self

    def start(self, y: np.ndarray) -> None:
        self.y = y
        self._res = None
        self._at = 0

    def _last(self) -> float:
        past = self.y[self._start: self._at]
        return float(past[~np.isnan(past)][-1])

    def forecast(self, origin: int, steps: int):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self._res is None or origin < self._at or not self.extendable:
                # Filter over the same length of history the parameters were fitted on.
                start = max(0, origin - self._window)
                self._res = self._build(self.y[start:origin]).filter(self.params)
                self._start = start
            elif origin > self._at:
                self._res = self._res.extend(self.y[self._at:origin])
            self._at = origin
            fc = self._res.get_forecast(steps)
            mean = np.asarray(fc.predicted_mean, dtype=float)
            if not np.all(np.isfinite(mean)) or np.any(np.abs(mean - self._last()) > 5):
                raise FloatingPointError("forecast diverged")
            sd = np.sqrt(np.maximum(np.asarray(fc.var_pred_mean, dtype=float), 1e-12))
        sd = sd * recent_sigma(self.y[:origin], self.halflife) / self.base_sigma
        return mean, sd


def _ets(trend: bool, damped: bool):
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing

    return lambda y: ExponentialSmoothing(y, trend=trend, damped_trend=damped,
                                          initialization_method="concentrated")


def _ets_seasonal(season: int):
    from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing

    return lambda y: ExponentialSmoothing(y, trend=False, seasonal=season,
                                          initialization_method="concentrated")


def _arima(order):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return lambda y: SARIMAX(y, order=order, trend="n")


# --- exogenous signals: regression with ARIMA errors -------------------------------------------
# The domestic farm-gate robusta price is set each morning from the London futures close (in
# USD, so the USD/VND rate matters too): log domestic(t) = sum_j b_j log x_j(t - lag_j) + u(t),
# u ARIMA(1,1,0) (statsmodels SARIMAX with exog; with d=1 the regression is on differences).
# Each series x_j has its own lag (the previous trading day's close, or the one before). At an origin (end of day o-1) the closes
# up to day o-1 are known, so x[t] is known for t <= o-1+lag; later periods carry the last
# known close forward (the futures' own forecast is naive).

EXOG_LAGS = (1, 2, 3)


def exog_on_calendar(index: pd.DatetimeIndex, dates, values, lag: int = 1,
                     extra: int = HORIZON) -> np.ndarray:
    """For every day of `index` and `extra` days after it, the log close of `lag` days before
    (the last trading day's close on or before then); NaN where none is known yet."""
    x = pd.Series(np.log(np.asarray(values, dtype=float)), index=pd.to_datetime(dates))
    x = x.groupby(x.index.normalize()).last().sort_index()
    end = index[-1] + pd.Timedelta(days=extra)
    full = pd.date_range(min(x.index[0], index[0]), max(x.index[-1], end), freq="D")
    known = x.reindex(full)
    # Days without a close (weekends, holidays, a late update) carry the last close before
    # them: at the end of such a day that is the latest value known. Nothing is known after
    # the last close beyond the forecast series' own last day.
    filled = known.ffill()
    filled[filled.index > max(x.index[-1], index[-1])] = np.nan
    shifted = filled.shift(lag)
    return shifted.reindex(pd.date_range(index[0], end, freq="D")).to_numpy()


def choose_lag(y: np.ndarray, index, dates, values, end: int, lags=EXOG_LAGS) -> int:
    """The lag whose futures change best correlates with the domestic change between
    consecutive observations, on y[:end] only."""
    best, best_r = 1, -2.0
    obs = np.flatnonzero(~np.isnan(y[:end]))
    for lag in lags:
        x = exog_on_calendar(index, dates, values, lag)[: len(y)]
        dy, dx = np.diff(y[obs]), np.diff(x[obs])
        ok = ~np.isnan(dx)
        if ok.sum() > 30:
            r = float(np.corrcoef(dy[ok], dx[ok])[0, 1])
            if r > best_r:
                best, best_r = lag, r
    return best


class Arimax:
    """Regression on one or more exogenous series with ARIMA(1,1,0) errors; parameters fitted
    once, then filtered origin by origin. `x` has one column per series (log values, each
    aligned by its own lag), `lags` and `names` one entry per column."""

    name = "arimax"
    complexity_base = 1

    def __init__(self, x: np.ndarray, lags, names=("exog",), halflife: int = 60):
        x = np.asarray(x, dtype=float)
        self.x = x.reshape(-1, 1) if x.ndim == 1 else x
        self.lags = [lags] * self.x.shape[1] if isinstance(lags, int) else list(lags)
        self.names = list(names)
        self.halflife = halflife
        self.complexity = len(self.names)  # each series must earn its place (see choose)
        self.key = "arimax:" + "+".join(self.names)
        self.label = ("Regression on " + " and ".join(self.names)
                      + " with ARIMA(1,1,0) errors")

    @property
    def lag(self) -> int:  # the single-series case (the bench's tables)
        return self.lags[0]

    def _model(self, y, x):
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        return SARIMAX(y, exog=x, order=(1, 1, 0), trend="n")

    def _first_complete(self, lo: int, hi: int) -> int:
        # Before the latest-starting series begins there is no full row of regressors.
        while lo < hi and np.isnan(self.x[lo]).any():
            lo += 1
        return lo

    def fit_range(self, y: np.ndarray, start: int, end: int) -> Arimax:
        start = self._first_complete(start, end)
        if end - start < 60:
            raise ValueError("too little overlap with the exogenous series")
        if np.isnan(self.x[start:end]).any():
            raise ValueError("an exogenous series stops inside the fitting window")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.params = self._model(y[start:end], self.x[start:end]).fit(
                disp=False, maxiter=200).params
        self._window = end - start
        return self

    def start(self, y: np.ndarray) -> None:
        self.y = y

    def forecast(self, origin: int, steps: int):
        lo = self._first_complete(max(0, origin - self._window), origin)
        k_x = self.x.shape[1]
        future = np.empty((steps, k_x))
        for j in range(k_x):
            last = self.x[origin - 1, j]
            for k in range(steps):
                t = origin + k
                # The close `lag` days before t is known at the origin for the first lag
                # days; after that the series' own forecast is naive (carried forward).
                if k < self.lags[j] and t < len(self.x) and not np.isnan(self.x[t, j]):
                    last = self.x[t, j]
                future[k, j] = last
        if np.isnan(future).any():
            raise FloatingPointError("an exogenous value is unknown at the origin")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = self._model(self.y[lo:origin], self.x[lo:origin]).filter(self.params)
            fc = res.get_forecast(steps, exog=future)
            mean = np.asarray(fc.predicted_mean, dtype=float)
            sd = np.sqrt(np.maximum(np.asarray(fc.var_pred_mean, dtype=float), 1e-12))
        if not np.all(np.isfinite(mean)):
            raise FloatingPointError("forecast diverged")
        return mean, sd


# How old an exogenous series' last value may be, in days before the forecast series' last
# observation, and still be used (a long weekend or Tết closes the exchange for days).
EXOG_MAX_AGE_DAYS = 10
MAX_SUBSETS_OF = 3  # up to this many series: every subset competes; more: forward selection


def _subsets(n: int) -> list[tuple[int, ...]]:
    from itertools import combinations

    return [c for r in range(1, n + 1) for c in combinations(range(n), r)]


def exogenous_candidates(y: np.ndarray, index: pd.DatetimeIndex, exog: dict, fit_end: int,
                         steps: int = HORIZON) -> list[Arimax]:
    """Regressions on every non-empty subset of the usable exogenous series (all of them when
    there are many). `exog` = {name: (dates, values)}; each series gets its own lag, chosen
    on y[:fit_end] only; series too short, or stale at the end of y, are left out."""
    cols, lags, names = [], [], []
    for name, (dates, values) in exog.items():
        if len(dates) < MIN_FOR_MODELS["D"]:
            continue
        if (index[-1] - pd.Timestamp(max(dates))).days > EXOG_MAX_AGE_DAYS:
            continue
        lag = choose_lag(y, index, dates, values, fit_end)
        cols.append(exog_on_calendar(index, dates, values, lag, steps))
        lags.append(lag)
        names.append(name)
    if not cols:
        return []
    x = np.column_stack(cols)
    picks = _subsets(len(cols)) if len(cols) <= MAX_SUBSETS_OF else \
        [(j,) for j in range(len(cols))] + [tuple(range(len(cols)))]
    return [Arimax(x[:, list(p)], [lags[j] for j in p], [names[j] for j in p]) for p in picks]


def candidates(freq: str, n_obs: int) -> list:
    season, hl = SEASON[freq], VOL_HALFLIFE[freq]
    models = [Naive(halflife=hl)]
    if freq == "M" and n_obs >= 3 * season:
        models.append(SeasonalNaive(season, halflife=hl))
    if n_obs >= MIN_FOR_MODELS[freq]:
        models += [
            StateSpace("ets_ann", "Exponential smoothing ETS(A,N,N)", _ets(False, False), hl,
                       extend=False),
            StateSpace("arima_110", "ARIMA(1,1,0)", _arima((1, 1, 0)), hl),
            StateSpace("arima_011", "ARIMA(0,1,1)", _arima((0, 1, 1)), hl),
        ]
    if freq == "M" and n_obs >= 4 * season:
        # Harvest-driven crops may repeat a yearly pattern: a seasonal ETS competes, and is
        # chosen only when the rolling-origin backtest says it beats the others.
        models.append(StateSpace("ets_ana", "Exponential smoothing with a 12-month season "
                                 "ETS(A,N,A)", _ets_seasonal(season), hl, extend=False))
    return models


def make_model(name: str, freq: str):
    for model in candidates(freq, 10 ** 6):
        if model.name == name:
            return model
    raise KeyError(name)


# --- backtest ------------------------------------------------------------------------------

def mase_scale(y_log: np.ndarray) -> float:
    """Mean absolute one-step change between consecutive observations, in price units."""
    values = np.exp(y_log[~np.isnan(y_log)])
    d = np.abs(np.diff(values))
    return float(d.mean()) if len(d) and d.mean() > 0 else 1.0


def origins_for(y: np.ndarray, freq: str, count: int, first_allowed: int) -> list[int]:
    """The last `count` origins (forecast made after period o-1) whose period o-1 is observed."""
    step = 2 if freq == "D" else 1
    out = []
    o = len(y)
    while o > first_allowed and len(out) < count:
        if not np.isnan(y[o - 1]):
            out.append(o)
        o -= step
    return sorted(out)


@dataclass
class Errors:
    """Absolute scaled errors, sMAPE and interval hits, per horizon (1-based)."""
    ase: dict = field(default_factory=dict)
    smape: dict = field(default_factory=dict)
    z: dict = field(default_factory=dict)  # standardised log errors (for interval checks)

    def add(self, h, ase, smape, z):
        self.ase.setdefault(h, []).append(ase)
        self.smape.setdefault(h, []).append(smape)
        self.z.setdefault(h, []).append(z)

    def mase(self, horizons=None) -> float:
        hs = horizons or list(self.ase)
        vals = [v for h in hs for v in self.ase.get(h, [])]
        return float(np.mean(vals)) if vals else float("nan")

    def smape_mean(self, horizons=None) -> float:
        hs = horizons or list(self.smape)
        vals = [v for h in hs for v in self.smape.get(h, [])]
        return float(np.mean(vals)) if vals else float("nan")

    def coverage(self, z_crit: float, scale: float = 1.0, horizons=None) -> float:
        hs = horizons or list(self.z)
        vals = [abs(v) <= z_crit * scale for h in hs for v in self.z.get(h, [])]
        return float(np.mean(vals)) if vals else float("nan")


def backtest(model, y: np.ndarray, fit_end: int, origins: list[int], scale: float,
             steps: int = HORIZON) -> Errors:
    """Fit on y[:fit_end] (within the fit window), then forecast from every origin."""
    start = max(0, fit_end - FIT_WINDOW.get(getattr(model, "_freq", "M"), 10 ** 6))
    if hasattr(model, "fit_range"):
        model.fit_range(y, start, fit_end)
    else:
        model.fit(y[start:fit_end])
    model.start(y)
    errors = Errors()
    for o in origins:
        mean, sd = model.forecast(o, steps)
        for k in range(steps):
            t = o + k
            if t >= len(y) or np.isnan(y[t]):
                continue
            actual, pred = math.exp(y[t]), math.exp(mean[k])
            errors.add(k + 1, abs(actual - pred) / scale,
                       200 * abs(actual - pred) / (abs(actual) + abs(pred)),
                       (y[t] - mean[k]) / sd[k])
    return errors


# --- choosing and forecasting --------------------------------------------------------------

# --- conformal calibration ------------------------------------------------------------------
# Split conformal prediction on the rolling-origin residuals: for each horizon h the band is
# mean +- q_h * sd, where q_h is the conformal quantile of |standardised error| over the
# backtest origins at that horizon. Each series and horizon gets its own multipliers, so a band
# that was too narrow (or too wide) for this series is widened (or narrowed) to hold on it.

LEVELS = (0.8, 0.95)
MIN_CALIBRATION = 15  # fewer residuals at a horizon than this: borrow from its neighbours


def conformal_quantile(scores, level: float) -> float:
    """The ceil((n+1) level)-th smallest score (the split-conformal quantile)."""
    a = np.sort(np.abs(np.asarray(scores, dtype=float)))
    n = len(a)
    if n == 0:
        return float("nan")
    k = min(n, math.ceil((n + 1) * level))
    return float(a[k - 1])


def _scores_near(z: dict, h: int) -> list:
    """|z| at horizon h, widened to h-1..h+1, h-2..h+2, ... until there are enough."""
    for width in range(HORIZON):
        vals = [v for k in range(h - width, h + width + 1) for v in z.get(k, [])]
        if len(vals) >= MIN_CALIBRATION:
            return vals
    return [v for vals in z.values() for v in vals]


def calibrate(z: dict, steps: int = HORIZON) -> dict:
    """{h: (q80, q95)} from standardised errors {h: [z, ...]}; the multipliers never shrink
    with the horizon (a farther period is never more certain)."""
    out, prev = {}, (0.0, 0.0)
    for h in range(1, steps + 1):
        vals = _scores_near(z, h)
        if len(vals) < 10:
            q = (Z80 * 1.2, Z95 * 1.2)
        else:
            q = (conformal_quantile(vals, LEVELS[0]), conformal_quantile(vals, LEVELS[1]))
        q = (max(q[0], prev[0], 1e-6), max(q[1], prev[1], q[0], 1e-6))
        out[h] = prev = q
    return out


# Adaptive conformal inference (Gibbs & Candes 2021): the miscoverage level is nudged after
# every revealed outcome (alpha <- alpha + gamma (target - miss)), and the quantile is taken
# over the most recent residuals only, so that a band follows a change of volatility regime.
ACI_GAMMA = 0.02
ACI_WINDOW = 60


def adaptive_hits(initial, later, level: float, delay: int = 0,
                  gamma: float = ACI_GAMMA, window: int = ACI_WINDOW):
    """Online over `later` (in time order): (hits, final multiplier). Each point's band uses
    the residuals revealed before it (`delay` points of lag: an h-step outcome is known h
    periods later) and the adapted level."""
    scores = [abs(v) for v in initial]
    later = [abs(v) for v in later]
    alpha, target = 1 - level, 1 - level
    hits = []
    for i, v in enumerate(later):
        known = scores + later[: max(0, i - delay)]
        q = conformal_quantile(known[-window:], min(max(1 - alpha, 0.5), 0.999)) \
            if len(known) >= 10 else (Z80 if level < 0.9 else Z95) * 1.2
        hit = v <= q
        hits.append(hit)
        if i - delay >= 0:  # the outcome of point i - delay is revealed now
            alpha += gamma * (target - (0.0 if hits[i - delay] else 1.0))
    known = (scores + later)[-window:]
    final = conformal_quantile(known, min(max(1 - alpha, 0.5), 0.999)) if len(known) >= 10 \
        else (Z80 if level < 0.9 else Z95) * 1.2
    return hits, final


def adaptive_calibrate(z: dict, steps: int = HORIZON, step: int = 1) -> dict:
    """{h: (q80, q95)}: adaptive conformal multipliers after running through the backtest
    residuals in time order (monotone in h, as `calibrate`)."""
    out, prev = {}, (0.0, 0.0)
    for h in range(1, steps + 1):
        vals = z.get(h, [])
        if len(vals) < MIN_CALIBRATION:
            vals = _scores_near(z, h)
        if len(vals) < 10:
            q = (Z80 * 1.2, Z95 * 1.2)
        else:
            delay = max(0, math.ceil(h / step) - 1)
            head = vals[: len(vals) // 3]
            q = (adaptive_hits(head, vals[len(head):], LEVELS[0], delay)[1],
                 adaptive_hits(head, vals[len(head):], LEVELS[1], delay)[1])
        q = (max(q[0], prev[0], 1e-6), max(q[1], prev[1], q[0], 1e-6))
        out[h] = prev = q
    return out


def held_out_coverage(z: dict) -> tuple[float | None, float | None]:
    """Calibrate on the earlier half of each horizon's residuals, count hits on the later."""
    early = {h: v[: len(v) // 2] for h, v in z.items()}
    q = calibrate(early)
    hits80, hits95 = [], []
    for h, v in z.items():
        if h not in q or len(v) < 4:
            continue
        half = len(v) // 2
        delay = max(0, h - 1)
        hits80 += adaptive_hits(v[:half], v[half:], LEVELS[0], delay)[0]
        hits95 += adaptive_hits(v[:half], v[half:], LEVELS[1], delay)[0]
    if len(hits80) < 10:
        return None, None
    return float(np.mean(hits80)), float(np.mean(hits95))


@dataclass
class Choice:
    model: str
    label: str
    mase: float | None
    smape: float | None
    naive_mase: float | None
    interval_scale: float
    scores: dict
    # Conformal multipliers of the model's standard deviation, per horizon: {h: (q80, q95)}.
    quantiles: dict = field(default_factory=dict)
    # How often the calibrated bands held on the later half of the backtest origins when
    # calibrated on the earlier half only (a held-out check), pooled over horizons.
    coverage80: float | None = None
    coverage95: float | None = None
    residuals: dict = field(default_factory=dict)  # the backtest's {h: [z, ...]}, time order
    key: str = ""  # which candidate won (an exogenous regression's subset of series)


def _backtest_plan(freq: str):
    # (number of origins, minimum training periods) for model selection
    return {"D": (60, 120), "W": (30, 60), "M": (36, 48)}[freq]


def choose(y: np.ndarray, freq: str, extra: list | None = None) -> Choice:
    """Pick the model with the lowest mean MASE over horizons 1..12 by rolling origin.
    `extra` models (an exogenous regression) compete with the univariate ones."""
    n_obs = int((~np.isnan(y)).sum())
    count, min_train = _backtest_plan(freq)
    models = candidates(freq, n_obs) + list(extra or [])
    origins = origins_for(y, freq, count, max(min_train, len(y) // 3))
    if len(origins) < 4:
        origins = origins_for(y, freq, count, max(4, len(y) // 2))
    if len(origins) < 2:
        return Choice("naive", Naive.label, None, None, None, 1.0, {})
    scale = mase_scale(y[: origins[0]])
    results = {}
    for model in models:
        model._freq = freq
        try:
            results[getattr(model, "key", model.name)] = (
                model, backtest(model, y, origins[0], origins, scale))
        except Exception:  # noqa: BLE001, S112 - a model that fails to fit is not chosen
            continue
    base = results["naive"][1]
    horizons = [h for h in range(1, HORIZON + 1) if base.ase.get(h) and base.mase([h]) > 0]
    # Score: the mean over horizons of MASE relative to naive, so that the (large) errors of
    # long horizons do not drown the short ones.
    scores = {name: float(np.mean([e.mase([h]) / base.mase([h]) for h in horizons]))
              for name, (_, e) in results.items()}
    naive = base.mase()
    # Prefer naive unless a model is clearly better (1% margin): simpler, and robust. A
    # regression pays the margin once per exogenous series, so a series that does not help
    # (noise) loses to the same regression without it.
    complexity = {name: getattr(m, "complexity", 0 if name == "naive" else 1)
                  for name, (m, _) in results.items()}
    best = min(scores, key=lambda k: scores[k] * (1.0 + 0.01 * complexity[k]))
    errors = results[best][1]
    z = np.abs(np.concatenate([np.asarray(v) for v in errors.z.values()]))
    if len(z) >= 30:
        c = 0.5 * (np.quantile(z, 0.8) / Z80 + np.quantile(z, 0.95) / Z95)
        interval_scale = float(np.clip(c, 1.0, 2.0))
    else:
        interval_scale = 1.2
    cov80, cov95 = held_out_coverage(errors.z)
    step = 2 if freq == "D" else 1
    winner = results[best][0]
    return Choice(winner.name, winner.label, errors.mase(), errors.smape_mean(), naive,
                  interval_scale, scores, adaptive_calibrate(errors.z, step=step), cov80, cov95,
                  errors.z, best)


@dataclass
class Result:
    frequency: str
    model: str
    label: str
    last_observation_on: date
    observations: int
    backtest_mase: float | None
    backtest_smape: float | None
    naive_mase: float | None
    points: list
    coverage80: float | None = None
    coverage95: float | None = None
    # The exogenous series the chosen regression uses, [{"name": .., "lag": days}], or None.
    exogenous: list | None = None


def forecast(dates, values, freq: str | None = None, steps: int = HORIZON,
             exog=None) -> Result | None:
    """Point forecasts with 80% and 95% intervals for the next `steps` periods, or None when
    the series is too short. `exog` = {name: (dates, values)} of exogenous daily series (the
    London futures and the USD/VND rate for domestic coffee; a bare (dates, values) pair is
    one series named "exog"): for a daily series, regressions on every subset of them compete
    in the backtest, and one is used only if it beats the univariate choice."""
    freq = freq or infer_frequency(dates)
    series = regularise(dates, values, freq)
    n_obs = int(series.notna().sum())
    if n_obs < MIN_OBSERVATIONS or (series.dropna() <= 0).any():
        return None
    # Trailing gaps are kept: forecasts start after the last observed period.
    series = series.loc[: series.last_valid_index()]
    y = np.log(series.to_numpy())
    if isinstance(exog, tuple):
        exog = {"exog": exog}
    extra = []
    if exog and freq == "D":
        count, min_train = _backtest_plan(freq)
        origins = origins_for(y, freq, count, max(min_train, len(y) // 3))
        # Lags are chosen on the data before the first backtest origin (no peeking).
        extra = exogenous_candidates(y, series.index, exog, origins[0] if origins else len(y),
                                     steps)
    choice = choose(y, freq, extra)
    used = None
    if choice.model == Arimax.name:
        model = next(m for m in extra if m.key == choice.key)
        model.fit_range(y, max(0, len(y) - FIT_WINDOW[freq]), len(y))
        used = [{"name": n, "lag": lag} for n, lag in zip(model.names, model.lags)]
    else:
        model = make_model(choice.model, freq)
        start = max(0, len(y) - FIT_WINDOW[freq])
        model.fit(y[start:])
    model.start(y)
    mean, sd = model.forecast(len(y), steps)
    quantiles = choice.quantiles or {h: (Z80 * choice.interval_scale, Z95 * choice.interval_scale)
                                     for h in range(1, steps + 1)}
    points = []
    for h, (day, m, s) in enumerate(zip(future_dates(series.index[-1], freq, steps), mean, sd),
                                    start=1):
        q80, q95 = quantiles[min(h, max(quantiles))]
        points.append({
            "date": day.isoformat(), "mean": math.exp(m),
            "lo80": math.exp(m - q80 * s), "hi80": math.exp(m + q80 * s),
            "lo95": math.exp(m - q95 * s), "hi95": math.exp(m + q95 * s),
        })
    return Result(freq, choice.model, choice.label, series.index[-1].date(), n_obs,
                  choice.mase, choice.smape, choice.naive_mase, points,
                  choice.coverage80, choice.coverage95, used)
