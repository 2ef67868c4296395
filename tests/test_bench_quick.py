"""The speed benchmark's own logic, and (marked ``benchmark``) its quick run.

The benchmark checks its own results — ours cosine top-k equals sparse_dot_topn's (ties
aside), the ranking alone equals ``Matcher.match``, ours equals the NumPy reference on a
subset — and returns 1 when one is wrong. Speed is reported, never tested. Those checks
repeat tests/test_topk_peers.py and tests/test_kernels.py, so the quick run is kept out
of the default test run; CI runs the benchmark script itself (``.ci/run``), and
``python -m pytest -m benchmark`` runs it here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_topk.py"

pytest.importorskip("sparse_dot_topn", reason="sparse_dot_topn is the benchmark's reference (pip install sparse-dot-topn)")
pytest.importorskip("psutil", reason="the benchmark measures peak RSS with psutil")
pytest.importorskip("sklearn", reason="the benchmark runs scikit-learn's NearestNeighbors")


def load_bench(name: str = "bench_topk"):
    """A benchmark script of ``benchmarks/`` imported as a module."""
    spec = importlib.util.spec_from_file_location(name, BENCH.parent / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.benchmark
def test_quick_benchmark_results_are_right(tmp_path):
    bench = load_bench()
    out = tmp_path / "bench_topk_quick.json"
    status = bench.main(["--quick", "--out", str(out)])
    report = json.loads(out.read_text())
    failed = [c["check"] for c in report["checks"] if not c["ok"]]
    assert status == 0 and not failed, f"wrong results: {failed}"
    methods = {e["method"] for case in report["cases"] for e in case["methods"]}
    assert {"ours cosine", "ours coverage", "sparse_dot_topn", "scipy chunked", "sklearn brute cosine"} <= methods
    assert {case["popularity"] for case in report["cases"]} == {"esco", "zipf1"}


def test_agreement_flags_a_wrong_row_and_forgives_a_tie_at_the_cut():
    bench = load_bench()
    import numpy as np

    k = 3
    ref_idx = np.array([[0, 1, 2, 3], [4, 5, 6, 7], [0, 1, 2, 3]], np.int32)
    ref_s = np.array([[0.9, 0.8, 0.7, 0.6], [0.9, 0.8, 0.5, 0.5], [0.9, 0.8, 0.7, 0.6]], np.float32)
    idx = np.array([[0, 1, 2], [4, 5, 7], [0, 1, 3]], np.int32)  # row 1: tie at the cut; row 2: wrong
    scores = np.array([[0.9, 0.8, 0.7], [0.9, 0.8, 0.5], [0.9, 0.8, 0.6]], np.float32)
    agree = bench.agreement(idx, scores, ref_idx, ref_s, k)
    assert agree["tie_rows"] == 1
    assert agree["disagreeing_rows"] == 1
    assert agree["same_set_share"] == 1 / 3


@pytest.mark.benchmark
def test_quick_cutover_benchmark_gives_the_same_results_on_both_paths(tmp_path):
    bench = load_bench("bench_cutover")
    out = tmp_path / "cutover.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["same_results"] and len(report["bins"]) >= 3
    assert {b["kernel_takes"] for b in report["bins"]} == {"dense", "sparse"}  # both paths were measured


@pytest.mark.benchmark
def test_quick_floor_benchmark_adds_what_our_kernel_adds(tmp_path):
    """``bench_floor.py --quick``: the scatter-only floor sums what SciPy and NumPy sum, and
    its one read of the sums finds our top-1 scores."""
    bench = load_bench("bench_floor")
    out = tmp_path / "floor.json"
    assert bench.main(["--quick", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["checks"] and all(report["checks"].values()), report["checks"]
    assert 0.0 < report["maxscore"]["skippable_share"] < 1.0
