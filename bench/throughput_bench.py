"""Page throughput beside a bare Flask route, in one run on one machine (issue 17).

Seeds a catalogue into bench/out/throughput.db (pages_bench's seed: cooperatives, categories,
products with vi/en text and an image row), then serves, one after another on 127.0.0.1,
each with `gunicorn --workers 2` (sync workers, as `make run`):

- a tiny separate Flask app with one route (bench/bare_app.py): the ceiling;
- the market app with the page cache on (the default), and again with MARKET_PAGE_CACHE=0,
  plus `/bench/bare`, a plain route inside the market app (bench/bench_app.py) that shows
  what the app's own hooks cost (request id, metrics, session, security headers, limiter);

and drives each with the same bounded client (pages_bench.drive: threads, http.client)
on product, category and home pages, anonymous, several rounds; medians are reported.

    .venv/bin/python bench/throughput_bench.py [--products 2000] [--rounds 3] [--seconds 6]
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from bench.pages_bench import drive, seed


def serve(app_spec: str, port: int, env: dict, log_path: Path) -> subprocess.Popen:
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--bind",
             f"127.0.0.1:{port}", "--log-level", "warning", app_spec],
            cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/livez")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"{app_spec} did not start; see {log_path}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def warm(port: int, paths: list[str]) -> None:
    """Every distinct path once (with the cache on, this fills it), then a short run."""
    for path in sorted(set(paths)):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", path)
        c.getresponse().read()
        c.close()


def measure(port: int, paths: list[str], args) -> dict:
    warm(port, paths)
    drive(port, paths, 2, args.threads)
    rounds = [drive(port, paths, args.seconds, args.threads) for _ in range(args.rounds)]
    result = {k: statistics.median(r[k] for r in rounds) for k in ("rps", "median_ms", "p95_ms")}
    result["errors"] = sum(r["errors"] for r in rounds)
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=5331)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db_path = OUT / "throughput.db"
    t0 = time.perf_counter()
    products, coops = seed(db_path, args.products)
    print(f"seeded {len(products)} products, {len(coops)} cooperatives "
          f"in {time.perf_counter() - t0:.1f}s", flush=True)

    rng = random.Random(1)
    langs = ("vi", "en")
    sets = {
        "product": [f"/{rng.choice(langs)}/p/{rng.choice(products[:200])}" for _ in range(2000)],
        "category": [f"/{rng.choice(langs)}/category/cat-{rng.randrange(8)}?page="
                     f"{rng.randint(1, 3)}" for _ in range(500)],
        "home": [f"/{rng.choice(langs)}/?page={rng.randint(1, 3)}" for _ in range(200)],
    }
    results: list[tuple[str, dict]] = []

    bare = serve("bench.bare_app:app", args.port, {}, OUT / "bare.log")
    try:
        results.append(("bare Flask app, one route", measure(args.port, ["/bare"], args)))
    finally:
        stop(bare)

    base_env = {"MARKET_DATABASE_URL": f"sqlite:///{db_path}",
                "MARKET_INSTANCE_PATH": str(OUT / "instance"),
                "MARKET_MEDIA_DIR": str(OUT / "media"), "MARKET_RATELIMIT_DISABLED": "1"}
    for cached in (True, False):
        label = "cached" if cached else "uncached"
        multiproc = OUT / "prometheus"
        shutil.rmtree(multiproc, ignore_errors=True)
        multiproc.mkdir()
        shutil.rmtree(OUT / "instance" / "cache", ignore_errors=True)
        env = dict(base_env, MARKET_PAGE_CACHE="1" if cached else "0",
                   PROMETHEUS_MULTIPROC_DIR=str(multiproc))
        server = serve("bench.bench_app:create()", args.port, env, OUT / f"market-{label}.log")
        try:
            if cached:
                results.append(("/bench/bare in the market app",
                                measure(args.port, ["/bench/bare"], args)))
            for name, paths in sets.items():
                results.append((f"{name} page, {label}", measure(args.port, paths, args)))
        finally:
            stop(server)

    ceiling = results[0][1]["rps"]
    print(f"\n{args.rounds} rounds of {args.seconds:.0f}s, {args.threads} client threads; "
          f"medians; load average before/after: see `uptime`")
    print("| what | requests/s | % of bare Flask | median | p95 | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in results:
        print(f"| {name} | {r['rps']:.0f} | {100 * r['rps'] / ceiling:.0f}% | "
              f"{r['median_ms']:.1f} ms | {r['p95_ms']:.1f} ms | {r['errors']} |")


if __name__ == "__main__":
    main()
