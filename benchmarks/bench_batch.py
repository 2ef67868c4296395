"""Batch runs from files: end-to-end time, peak memory, and Dask against one process.

Scenarios (each a fresh Python process, measured from outside with psutil and from inside
with ``getrusage``):

``end_to_end``  ``skillmatch generate`` + ``skillmatch match`` on a national caseload
                (default 200,000 jobseekers x 50,000 vacancies): seconds to write the files,
                seconds to match them (index, matching, joining), rows written, peak RSS.
``memory``      the same for 1,000,000 x 100,000: peak RSS of the run must stay under
                4 GB (``--memory-limit-gb``); the run takes a while on 2 cores.
``dask``        one caseload (default 50,000 x 20,000) ranked in one process (1 and 2
                threads) and on a Dask LocalCluster of 1 and 2 single-thread workers:
                cluster start-up apart, matching time, the overhead of Dask against one
                process on the same number of threads, the scaling from 1 to 2 workers,
                and a check that every output is the same bytes.

Usage::

    python benchmarks/bench_batch.py                     # end_to_end and dask at full size
    python benchmarks/bench_batch.py --only memory       # the 1M x 100k memory figure
    python benchmarks/bench_batch.py --quick             # CI: small sizes; exit 1 on a wrong result

Generated caseloads are kept in ``--data`` (default: ``$TMPDIR/skillmatch-bench``) and
reused when their size and seed match. Results go to ``benchmarks/results/bench_batch.json``
(``bench_batch_<scenario>.json`` with ``--only``; ``--out`` to choose). Speed is reported,
never asserted; a wrong result (outputs that differ, a run that fails) exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from machine import describe

RESULTS = HERE / "results"

_CHILD = r"""
import json, resource, sys, time
kind = sys.argv[1]
spec = json.loads(sys.argv[2])
t0 = time.perf_counter()
if kind == "generate":
    from skillmatch.caseload import write_caseload
    from skillmatch.taxonomy import load_taxonomy
    files = write_caseload(load_taxonomy(), spec["region"], spec["folder"], n_jobseekers=spec["n"],
                           n_vacancies=spec["m"], seed=spec["seed"], overwrite=True)
    out = {"seconds": files.seconds}
else:
    from skillmatch.batch.run import run_match
    def main():
        s = run_match(**spec)
        return {"seconds": s.seconds, "rows": s.rows, "chunks": s.chunks, "queries": s.n_queries,
                "candidates": s.n_candidates, "dask": s.dask}
    if __name__ == "__main__":
        out = main()
if __name__ == "__main__":
    out["wall_s"] = time.perf_counter() - t0
    out["ru_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))
"""


def child(kind: str, spec: dict, *, timeout: float = 24 * 3600) -> dict:
    """Run one measured step in a fresh process; returns its JSON plus the tree's peak RSS (psutil)."""
    import psutil

    process = subprocess.Popen([sys.executable, "-c", _CHILD, kind, json.dumps(spec)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = {"tree": 0, "main": 0}
    done = threading.Event()

    def poll() -> None:
        try:
            main = psutil.Process(process.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                rss = main.memory_info().rss
                tree = rss + sum(c.memory_info().rss for c in main.children(recursive=True))
            except psutil.Error:
                rss = tree = 0
            peak["main"] = max(peak["main"], rss)
            peak["tree"] = max(peak["tree"], tree)
            done.wait(0.05)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    finally:
        done.set()
        watcher.join()
    wall = time.perf_counter() - t0
    if process.returncode != 0:
        raise RuntimeError(f"{kind} failed ({process.returncode}): {stderr[-3000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(process_wall_s=round(wall, 2), peak_rss_mb_psutil=round(peak["main"] / 2**20, 1),
                  peak_rss_tree_mb_psutil=round(peak["tree"] / 2**20, 1), loadavg_end=os.getloadavg()[0])
    return result


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def caseload(data: Path, n: int, m: int, seed: int, region: str) -> tuple[Path, dict]:
    """The caseload's folder (generated when absent) and how long writing it took."""
    folder = data / f"{region}-{n}x{m}-seed{seed}"
    stamp = folder / "generated.json"
    if stamp.is_file():
        info = json.loads(stamp.read_text())
        info["reused"] = True
        return folder, info
    folder.mkdir(parents=True, exist_ok=True)
    print(f"  generating {n:,} x {m:,} ({region}) in {folder} ...", flush=True)
    info = child("generate", {"region": region, "folder": str(folder), "n": n, "m": m, "seed": seed})
    info["bytes"] = {name: (folder / name).stat().st_size for name in ("jobseekers.jsonl", "vacancies.jsonl")}
    stamp.write_text(json.dumps(info))
    info["reused"] = False
    return folder, info


def match(folder: Path, out: Path, **options) -> dict:
    spec = {"jobseekers": str(folder / "jobseekers.jsonl"), "vacancies": str(folder / "vacancies.jsonl"),
            "out": str(out), **options}
    loadavg = os.getloadavg()[0]
    result = child("match", spec)
    result["loadavg_start"] = loadavg
    result["output_bytes"] = out.stat().st_size
    result["output_sha256"] = sha256(out)
    return result


def size(text: str) -> tuple[int, int]:
    try:
        n, m = text.lower().split("x")
        return int(n), int(m)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected PEOPLExVACANCIES such as 50000x20000, got {text!r}") from None


# --- scenarios ----------------------------------------------------------------------------------


def end_to_end(args) -> dict:
    n, m = args.end_to_end
    folder, generated = caseload(args.data, n, m, args.seed, args.region)
    print(f"  matching {n:,} x {m:,} from files ...", flush=True)
    run = match(folder, args.work / "e2e.csv", chunk_size=args.chunk_size)
    rate = run["queries"] / run["seconds"]["match"] if run["seconds"]["match"] else None
    return {"size": [n, m], "region": args.region, "generate": generated, "match": run,
            "jobseekers_per_s": round(rate) if rate else None}


def memory(args) -> dict:
    n, m = args.memory
    folder, generated = caseload(args.data, n, m, args.seed, args.region)
    print(f"  matching {n:,} x {m:,} for the memory figure (a long run) ...", flush=True)
    run = match(folder, args.work / "memory.csv", chunk_size=args.chunk_size)
    peak_gb = max(run["ru_maxrss_mb"], run["peak_rss_mb_psutil"]) / 1024
    return {"size": [n, m], "region": args.region, "generate": generated, "match": run,
            "peak_rss_gb": round(peak_gb, 3), "limit_gb": args.memory_limit_gb,
            "under_limit": peak_gb < args.memory_limit_gb}


def dask(args) -> dict:
    n, m = args.dask
    folder, generated = caseload(args.data, n, m, args.seed, args.region)
    runs = {}
    for name, options in (("local_1_thread", {"n_threads": 1}), ("local_2_threads", {"n_threads": 2}),
                          ("dask_1_worker", {"dask": "local", "dask_workers": 1, "dask_threads": 1}),
                          ("dask_2_workers", {"dask": "local", "dask_workers": 2, "dask_threads": 1})):
        print(f"  {name}: {n:,} x {m:,} ...", flush=True)
        runs[name] = match(folder, args.work / f"dask-{name}.csv", chunk_size=args.chunk_size, **options)
    same = len({r["output_sha256"] for r in runs.values()}) == 1
    seconds = {name: r["seconds"]["match"] for name, r in runs.items()}
    return {"size": [n, m], "region": args.region, "generate": generated, "runs": runs, "same_bytes": same,
            "match_seconds": seconds,
            "cluster_start_seconds": {name: r["seconds"].get("cluster") for name, r in runs.items()
                                      if "cluster" in r["seconds"]},
            "overhead_1_worker_vs_1_thread": round(seconds["dask_1_worker"] / seconds["local_1_thread"], 3),
            "scaling_1_to_2_workers": round(seconds["dask_1_worker"] / seconds["dask_2_workers"], 3),
            "scaling_1_to_2_threads": round(seconds["local_1_thread"] / seconds["local_2_threads"], 3)}


SCENARIOS = {"end_to_end": end_to_end, "memory": memory, "dask": dask}


def machine() -> dict:
    return {**describe(("skillmatch", "numpy", "numba", "pydantic", "distributed")), "source": source()}


def source() -> dict:
    """The commit measured, and the files of the working tree that differ from it (the kernels matter most)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=HERE.parent, capture_output=True, text=True,
                                  timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [line[3:] for line in git("status", "--porcelain", "src").splitlines() if line.strip()]
    return {"commit": git("rev-parse", "--short", "HEAD").strip(), "changed_files": changed}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="CI: small sizes; exit 1 on a wrong result")
    p.add_argument("--only", choices=sorted(SCENARIOS), action="append", help="run only these scenarios")
    p.add_argument("--end-to-end", type=size, default=None, help="size of end_to_end (default 200000x50000)")
    p.add_argument("--memory", type=size, default=None, help="size of memory (default 1000000x100000)")
    p.add_argument("--dask", type=size, default=None, help="size of dask (default 50000x20000)")
    p.add_argument("--memory-limit-gb", type=float, default=4.0)
    p.add_argument("--chunk-size", type=int, default=10_000)
    p.add_argument("--region", default="all", help="region of the generated caseloads (default: all, national)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "skillmatch-bench")
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--note", default="", help="recorded with the results (what was measured, under what load)")
    args = p.parse_args(argv)
    quick = args.quick
    args.end_to_end = args.end_to_end or ((3000, 1500) if quick else (200_000, 50_000))
    args.memory = args.memory or ((20_000, 5_000) if quick else (1_000_000, 100_000))
    args.dask = args.dask or ((2000, 1000) if quick else (50_000, 20_000))
    if quick:
        args.chunk_size = min(args.chunk_size, 500)
    args.scenarios = args.only or (list(SCENARIOS) if quick else ["end_to_end", "dask"])
    if args.out is None:
        suffix = "_quick" if quick else ("_" + "_".join(args.only) if args.only else "")
        args.out = RESULTS / f"bench_batch{suffix}.json"
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    report: dict = {"machine": machine(), "note": args.note, "quick": args.quick, "loadavg_start": os.getloadavg(),
                    "chunk_size": args.chunk_size, "scenarios": {}}
    if report["loadavg_start"][0] > 0.5:
        print(f"warning: load average {report['loadavg_start'][0]:.1f} before the start: other work on this machine "
              "slows every figure (the load is recorded per run)", flush=True)
    status = 0
    with tempfile.TemporaryDirectory(prefix="skillmatch-bench-out-") as work:
        args.work = Path(work)
        for name in args.scenarios:
            if name == "dask":
                try:
                    import distributed  # noqa: F401
                except ImportError:
                    print('dask: skipped (pip install "skillmatch[dask]")', flush=True)
                    report["scenarios"][name] = {"skipped": "dask.distributed is not installed"}
                    continue
            print(f"{name}:", flush=True)
            try:
                result = SCENARIOS[name](args)
            except Exception as e:  # a failed run is a wrong result
                print(f"  FAILED: {e}", flush=True)
                report["scenarios"][name] = {"error": str(e)}
                status = 1
                continue
            report["scenarios"][name] = result
            print("  " + summary_line(name, result), flush=True)
            if name == "dask" and not result["same_bytes"]:
                print("  WRONG: the Dask outputs differ from the single-process output", flush=True)
                status = 1
    report["loadavg_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"results: {args.out}")
    return status


def summary_line(name: str, r: dict) -> str:
    n, m = r["size"]
    if name == "dask":
        s = r["match_seconds"]
        return (f"{n:,} x {m:,}: match 1 thread {s['local_1_thread']:.1f} s, 2 threads {s['local_2_threads']:.1f} s; "
                f"Dask 1 worker {s['dask_1_worker']:.1f} s, 2 workers {s['dask_2_workers']:.1f} s "
                f"(overhead x{r['overhead_1_worker_vs_1_thread']:.2f}, scaling x{r['scaling_1_to_2_workers']:.2f}; "
                f"cluster start {', '.join(f'{v:.1f}' for v in r['cluster_start_seconds'].values())} s); "
                f"same bytes: {r['same_bytes']}")
    run = r["match"]
    gen = r["generate"]
    line = (f"{n:,} x {m:,}: generate {gen['seconds']:.1f} s{' (reused)' if gen.get('reused') else ''}; match "
            f"{run['seconds']['total']:.1f} s (index {run['seconds']['index']:.1f}, match {run['seconds']['match']:.1f}, "
            f"join {run['seconds']['join']:.1f}); {run['rows']:,} rows; peak RSS {run['ru_maxrss_mb']:,.0f} MB")
    if name == "memory":
        line += f" ({'under' if r['under_limit'] else 'OVER'} {r['limit_gb']:g} GB)"
    return line


if __name__ == "__main__":
    sys.exit(main())
