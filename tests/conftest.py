"""Shared fixtures: a private cache folder, the shipped taxonomy, the real ESCO data, and
an editable copy of ``taxonomy/`` for tests that break it on purpose."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from tables import TaxonomyCopy, own_cache

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SKILLMATCH_DATA") or REPO_ROOT.parent / "shared" / "data")  # ESCO, CompetentNL


@pytest.fixture(scope="session", autouse=True)
def skillmatch_cache_dir(tmp_path_factory):
    """Every compiled taxonomy of the session goes to a fresh folder, never ~/.cache."""
    with own_cache(tmp_path_factory.mktemp("skillmatch-cache")) as folder:
        yield folder


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shipped():
    """The shipped taxonomy, loaded once per session."""
    import skillmatch

    return skillmatch.load_taxonomy()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` next to the repository; the test is skipped when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the real reference data (ESCO, CompetentNL) is absent: expected at "
                    f"{SHARED_DATA} (set SKILLMATCH_DATA to the folder that holds esco-v1.1.1/)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def esco(shared_data):
    """ESCO v1.1.1 with Dutch labels, loaded once per session (and compiled into the session cache)."""
    from skillmatch.taxonomy import load_taxonomy

    folder, dutch = shared_data / "esco-v1.1.1", shared_data / "esco-v1.1.1-nl"
    for needed in (folder / "classification-en-csv.zip", folder / "relations-csv.zip", dutch / "occupations_nl.csv"):
        if not needed.is_file():
            pytest.skip(f"ESCO data is incomplete: {needed} is absent")
    return load_taxonomy(folder, dutch=dutch)


@pytest.fixture
def taxonomy_copy(tmp_path, repo_root) -> TaxonomyCopy:
    """A fresh, editable copy of the shipped ``taxonomy/`` folder."""
    target = tmp_path / "taxonomy"
    shutil.copytree(repo_root / "taxonomy", target)
    return TaxonomyCopy(target)
