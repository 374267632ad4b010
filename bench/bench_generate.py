"""Time the demo county generator: default county and --scale 10.

Run: uv run python bench/bench_generate.py [--scales 1,10]
Writes into bench/out/ (ignored by git) and prints one line per scale.
Target (issue 2): the default county in under 60 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

from core.months import parse_range
from core.registry import load_registry
from demo.generate import generate

OUT = Path(__file__).parent / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--months", default="2025-01..2026-10")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    reg = load_registry()
    print(f"{'scale':>5} {'seconds':>8} {'files':>7} {'rows':>10} {'MB':>8} {'rows/s':>9}")
    for scale in (int(s) for s in args.scales.split(",")):
        out = OUT / f"generate-scale{scale}"
        shutil.rmtree(out, ignore_errors=True)
        t = time.perf_counter()
        s = generate(
            out, parse_range(args.months), seed=7, scale=scale, registry=reg, workers=args.workers
        )
        secs = time.perf_counter() - t
        rows = sum(s["rows"].values())
        mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
        print(
            f"{scale:>5} {secs:>8.1f} {s['files']:>7} {rows:>10,} {mb:>8.1f} {rows / secs:>9,.0f}"
        )
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of a worker process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
