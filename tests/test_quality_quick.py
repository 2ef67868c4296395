"""The ESCO quality benchmark (benchmarks/quality_esco.py) in quick mode, as a sanity check.

Runs in-process on the real ESCO v1.1.1 data from ../shared/data (skipped when absent) and
asserts what would fail if matching broke: nearest occupations share their ISCO unit group
far more often than chance, and an occupation is recovered from half of its own skills.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "quality_esco.py"
DATA = REPO.parent / "shared" / "data"


def _load_script():
    spec = importlib.util.spec_from_file_location("quality_esco", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script is executed
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[spec.name]
        raise
    return module


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    if not (DATA / "esco-v1.1.1").is_dir():
        pytest.skip(f"ESCO v1.1.1 data not found at {DATA / 'esco-v1.1.1'} (see ../shared/data/README.md)")
    monkeypatch = pytest.MonkeyPatch()
    tmp = tmp_path_factory.mktemp("quality")
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(tmp / "cache"))
    try:
        report = _load_script().main(["--quick", "--data", str(DATA), "--out", str(tmp / "quality_esco.json")])
    finally:
        monkeypatch.undo()
    assert (tmp / "quality_esco.json").is_file()
    return report


def test_quick_runs_the_quick_configurations(quick_report):
    assert set(quick_report["results"]) == {"cosine", "coverage", "coverage+credit"}
    assert quick_report["settings"]["sample"] == 200
    assert quick_report["occupations"]["skipped_alone_in_unit_group"] > 0


def test_nearest_occupations_share_the_isco_unit_group_well_above_chance(quick_report):
    chance = quick_report["occupations"]["chance_p_at_1"]
    p_at_1 = quick_report["results"]["cosine"]["occupations"]["p_at_1"]
    assert chance < 0.02
    assert p_at_1 > 0.2, f"cosine P@1 {p_at_1:.3f} (chance {chance:.4f})"
    assert quick_report["results"]["cosine"]["occupations"]["p_at_5"] > 0.2


def test_coverage_recovers_an_occupation_from_half_its_skills(quick_report):
    for name in ("coverage", "coverage+credit"):
        recall = quick_report["results"][name]["recovery"]["hierarchy 0%"]["recall_at_10"]
        assert recall > 0.5, f"{name}: recall@10 {recall:.3f} at 0% noise"


def test_noise_makes_recovery_harder(quick_report):
    cosine = quick_report["results"]["cosine"]["recovery"]
    assert cosine["hierarchy 30%"]["mrr"] <= cosine["hierarchy 0%"]["mrr"]
