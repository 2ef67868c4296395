"""The quality benchmark (benchmarks/quality.py) in quick mode, as a check that can fail.

Runs in-process on the real ESCO v1.1.1 data from ../shared/data (skipped when absent) and on
the shipped taxonomy. Marked ``benchmark``: CI runs the script itself (``.ci/run``), and
``python -m pytest -m benchmark`` runs this test here. It asserts what would fail if matching
broke: the library's default ranks exactly as the benchmark's chosen formula, and it finds the
source occupation clearly more often than coverage alone.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "quality.py"
DATA = Path(os.environ.get("SKILLMATCH_DATA") or REPO.parent / "shared" / "data")

pytestmark = pytest.mark.benchmark


def _load_script():
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("quality", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script is executed
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick_report():
    if not (DATA / "esco-v1.1.1").is_dir():
        pytest.skip(f"ESCO v1.1.1 data not found at {DATA / 'esco-v1.1.1'} (set SKILLMATCH_DATA to the folder that holds esco-v1.1.1/)")
    return _load_script().main(["--quick", "--data", str(DATA), "--out", "-"])


def _recall(report, taxonomy, kind, scoring):
    return report["held_out"][taxonomy][kind]["scorings"][scoring]["recall_at_1"]


def test_the_library_default_is_the_chosen_formula(quick_report):
    chosen = quick_report["chosen"]["name"]
    for taxonomy, kinds in quick_report["held_out"].items():
        for kind, row in kinds.items():
            scorings = row["scorings"]
            if chosen in scorings and "library-default" in scorings:
                assert scorings["library-default"]["recall_at_1"] == pytest.approx(
                    scorings[chosen]["recall_at_1"], abs=1e-9), (taxonomy, kind)


def test_fit_finds_the_source_more_often_than_coverage_alone(quick_report):
    kinds = quick_report["held_out"]["esco"]
    better = [kind for kind in kinds if _recall(quick_report, "esco", kind, "library-default")
              > _recall(quick_report, "esco", kind, "coverage pen=0.2")]
    assert len(better) >= len(kinds) - 1, better
