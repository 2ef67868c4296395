"""The compiled form and its cache (``Taxonomy.save`` / ``load_compiled`` and the cache of
``load_taxonomy``): writes that are atomic for several processes at once, and files that
were altered, swapped or cut short, which must be found by their content hash instead of
mapping URIs to the wrong columns."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from skillmatch.problems import DamagedTaxonomyError, TaxonomyError
from skillmatch.taxonomy import Taxonomy, load_taxonomy
from skillmatch.taxonomy import load as load_module
from skillmatch.taxonomy.core import COMPILED_VERSION, _content_hash, write_atomic

HC = "https://linkeddata.competentnl.nl/id/humancapability/"
VERZORGEN = HC + "DB59A57C01"
PROCESSES = 4


def cache_entries(cache: Path) -> list[Path]:
    return sorted((cache / "taxonomy").iterdir()) if (cache / "taxonomy").exists() else []


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders left behind anywhere below ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name.endswith((".tmp", ".old")))


def swap_two_concept_ids(meta_file: Path) -> tuple[str, str]:
    """Edit meta.json as a person would: parse, exchange the first two concept ids, write back."""
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    ids = meta["concepts"]["ids"]
    ids[0], ids[1] = ids[1], ids[0]
    meta_file.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return ids[1], ids[0]


# --- the content hash -----------------------------------------------------------------------------


def test_meta_json_carries_a_content_hash_and_the_bytes_depend_only_on_the_content(shipped, tmp_path, monkeypatch):
    a, b = shipped.save(tmp_path / "a"), shipped.save(tmp_path / "b")
    meta = json.loads((a / "meta.json").read_text(encoding="utf-8"))
    assert len(meta["content_sha256"]) == 64 and (a / "meta.json").read_bytes().startswith(b'{"content_sha256": "')
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 86_400)  # zip members carry a date: a day later, same bytes
    c = shipped.save(tmp_path / "c")
    monkeypatch.undo()
    for name in ("arrays.npz", "meta.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes() == (c / name).read_bytes(), name


def test_swapped_concept_ids_in_meta_json_are_found(shipped, tmp_path):
    """The issue's case: two ids exchanged by hand loaded silently and mapped URIs to wrong columns."""
    folder = shipped.save(tmp_path / "compiled")
    swap_two_concept_ids(folder / "meta.json")
    with pytest.raises(DamagedTaxonomyError, match=r"compiled: the compiled taxonomy was altered or damaged: meta\.json "
                                                   r"and arrays\.npz do not match the content hash written with them "
                                                   r"\(a file edited by hand, swapped, or cut short\)"):
        Taxonomy.load_compiled(folder)
    with pytest.raises(DamagedTaxonomyError, match="altered or damaged"):
        load_taxonomy(folder)  # a compiled folder named directly: the error, not a rebuild


def test_arrays_of_another_taxonomy_are_found(shipped, tmp_path, taxonomy_copy):
    taxonomy_copy.set("requirements.csv", 2, "level", "1")
    other = load_taxonomy(taxonomy_copy.path, cache=False).save(tmp_path / "other")
    folder = shipped.save(tmp_path / "compiled")
    (folder / "arrays.npz").write_bytes((other / "arrays.npz").read_bytes())
    with pytest.raises(DamagedTaxonomyError, match="do not match the content hash"):
        Taxonomy.load_compiled(folder)


def test_a_meta_json_rewritten_by_hand_is_found_even_when_equal(shipped, tmp_path):
    folder = shipped.save(tmp_path / "compiled")
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    (folder / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")  # pretty-printed, hash first
    with pytest.raises(DamagedTaxonomyError, match=r"meta\.json: the compiled taxonomy was altered or damaged: "
                                                   r"meta\.json does not start with its content hash"):
        Taxonomy.load_compiled(folder)
    del meta["content_sha256"]
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(DamagedTaxonomyError, match="does not start with its content hash"):
        Taxonomy.load_compiled(folder)


def test_a_tampered_cache_is_rebuilt_with_a_warning(taxonomy_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(tmp_path / "cache"))
    first = load_taxonomy(taxonomy_copy.path)
    (entry,) = cache_entries(tmp_path / "cache")
    swap_two_concept_ids(entry / "meta.json")
    rebuilt = load_taxonomy(taxonomy_copy.path)
    assert rebuilt.concepts.ids == first.concepts.ids  # each URI on its own column again
    np.testing.assert_array_equal(rebuilt.requirements.indices, first.requirements.indices)
    (notice,) = rebuilt.problems
    assert str(notice) == (f"warning: {entry}: the compiled cache of this source was altered or damaged and has been "
                           "rebuilt from the source (the compiled taxonomy was altered or damaged: meta.json and "
                           "arrays.npz do not match the content hash written with them (a file edited by hand, "
                           "swapped, or cut short))")
    assert cache_entries(tmp_path / "cache") == [entry] and leftovers(tmp_path / "cache") == []

    def no_parsing(*args, **kwargs):
        raise AssertionError("the cache was rebuilt whole: the next load reads it")

    monkeypatch.setattr(load_module.native, "load_native", no_parsing)
    again = load_taxonomy(taxonomy_copy.path)
    assert again.problems == [] and again.concepts.ids == first.concepts.ids


def test_a_meta_json_that_cannot_be_read(shipped, tmp_path):
    folder = shipped.save(tmp_path / "compiled")
    (folder / "meta.json").unlink()
    (folder / "meta.json").mkdir()
    with pytest.raises(DamagedTaxonomyError, match=r"meta\.json: cannot read compiled taxonomy: \[Errno 21\] Is a "
                                                   r"directory"):
        Taxonomy.load_compiled(folder)


def test_content_that_matches_its_hash_but_cannot_be_used(shipped, tmp_path):
    """Written so (by another skillmatch with the same version number, or a bug): the hash
    holds, the content does not; the error names the folder and what is missing."""
    folder = shipped.save(tmp_path / "compiled")
    arrays = (folder / "arrays.npz").read_bytes()
    body = json.dumps({"format": "skillmatch-compiled", "format_version": COMPILED_VERSION}).encode()
    (folder / "meta.json").write_bytes(b'{"content_sha256": "%s", ' % _content_hash(arrays, body).encode() + body[1:])
    with pytest.raises(DamagedTaxonomyError, match=r"compiled: compiled taxonomy is damaged \(KeyError: 'name'\)"):
        Taxonomy.load_compiled(folder)


# --- atomic writes -----------------------------------------------------------------------------------


def test_a_failed_write_leaves_the_old_files_and_no_temporary_file(shipped, tmp_path, monkeypatch):
    folder = shipped.save(tmp_path / "compiled")
    before = {name: (folder / name).read_bytes() for name in ("arrays.npz", "meta.json")}

    def full_disk(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        shipped.save(folder)
    monkeypatch.undo()
    assert {name: (folder / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "meta.json"]


def test_write_atomic_uses_a_new_temporary_name_each_time(tmp_path, monkeypatch):
    names: list[str] = []
    real_replace = os.replace

    def spy(src, dst):
        names.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    for k in range(3):
        write_atomic(tmp_path / "f.bin", bytes([k]))
    assert len(set(names)) == 3 and all(n.startswith(".f.bin.") and n.endswith(".tmp") for n in names)
    assert (tmp_path / "f.bin").read_bytes() == b"\x02" and sorted(p.name for p in tmp_path.iterdir()) == ["f.bin"]


def test_a_whole_cache_entry_of_another_process_is_kept(shipped, tmp_path):
    target = tmp_path / "taxonomy" / "key"
    load_module._store(shipped, target)
    stamp = (target / "meta.json").stat().st_mtime_ns
    load_module._store(shipped, target)  # as a second process would, having parsed the same source
    assert (target / "meta.json").stat().st_mtime_ns == stamp
    assert leftovers(tmp_path) == [] and Taxonomy.load_compiled(target).fingerprint == shipped.fingerprint


def test_publishing_tries_again_when_the_entry_vanished_in_between(shipped, tmp_path, monkeypatch):
    target = tmp_path / "taxonomy" / "key"
    real_rename, calls = os.rename, []

    def flaky(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == 1:  # as if another process had just moved a damaged entry aside
            raise OSError(39, "Directory not empty")
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky)
    load_module._store(shipped, target)
    assert calls == ["key", "key"] and leftovers(tmp_path) == []
    assert Taxonomy.load_compiled(target).fingerprint == shipped.fingerprint


def test_the_cache_key_of_a_file_that_vanished(tmp_path):
    key = load_module._fingerprint("native", [tmp_path / "gone.csv"], {})
    assert len(key) == 24 and key != load_module._fingerprint("native", [], {})


def test_a_folder_that_cannot_be_read_is_named(tmp_path, monkeypatch):
    def refuse(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(load_module.native, "is_native", refuse)
    with pytest.raises(TaxonomyError, match=rf"{re.escape(str(tmp_path))}: cannot read: Permission denied"):
        load_taxonomy(tmp_path)


def test_a_damaged_cache_entry_is_replaced(shipped, tmp_path):
    target = tmp_path / "taxonomy" / "key"
    load_module._store(shipped, target)
    (target / "arrays.npz").write_bytes(b"damaged")
    load_module._store(shipped, target)
    assert leftovers(tmp_path) == [] and Taxonomy.load_compiled(target).fingerprint == shipped.fingerprint


# --- several processes at once ----------------------------------------------------------------------

#: waits for a start signal so that the processes really run together, then prints a JSON report
CHILD = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from skillmatch.taxonomy import Taxonomy, load_taxonomy

    task, source, go, ready = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    ready.touch()
    while not go.exists():
        time.sleep(0.002)
    report = []
    if task == "fill":  # every process misses the cache, parses, and publishes the same entry
        for _ in range(5):
            tx = load_taxonomy(source)
            report.append([tx.fingerprint, [str(p) for p in tx.problems]])
    else:  # "save": write the compiled form into one folder and read it back, over and over
        tx = load_taxonomy(source, cache=False)
        for _ in range(10):
            tx.save(Path(sys.argv[5]))
            report.append([Taxonomy.load_compiled(Path(sys.argv[5])).fingerprint, []])
    print(json.dumps(report))
""")


def run_together(task: str, *args: Path, cache: Path, tmp_path: Path) -> list[list]:
    """Start :data:`PROCESSES` real Python processes on ``task`` at the same moment; their reports."""
    go = tmp_path / "go"
    env = {**os.environ, "SKILLMATCH_CACHE_DIR": str(cache)}
    readies = [tmp_path / f"ready-{k}" for k in range(PROCESSES)]
    children = [subprocess.Popen([sys.executable, "-c", CHILD, task, *map(str, args[:1]), str(go), str(ready),
                                  *map(str, args[1:])], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for ready in readies]
    try:
        deadline = time.monotonic() + 120
        while not all(r.exists() for r in readies) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        outputs = [child.communicate(timeout=180) for child in children]
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
    for child, (_, err) in zip(children, outputs):
        assert child.returncode == 0, err
    return [json.loads(out) for out, _ in outputs]


def test_processes_filling_one_cache_at_once_all_get_the_taxonomy(taxonomy_copy, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    expected = load_taxonomy(taxonomy_copy.path, cache=False).fingerprint
    reports = run_together("fill", taxonomy_copy.path, cache=cache, tmp_path=tmp_path)
    assert [[fingerprint for fingerprint, _ in report] for report in reports] == [[expected] * 5] * PROCESSES
    assert all(problems == [] for report in reports for _, problems in report)  # no torn read, no rebuild notice
    (entry,) = cache_entries(cache)
    assert leftovers(cache) == [] and sorted(p.name for p in entry.iterdir()) == ["arrays.npz", "meta.json"]

    def no_parsing(*args, **kwargs):
        raise AssertionError("a later load reads the cache the processes filled")

    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(cache))
    monkeypatch.setattr(load_module.native, "load_native", no_parsing)
    later = load_taxonomy(taxonomy_copy.path)
    assert later.fingerprint == expected and later.problems == []


def test_processes_saving_into_one_folder_at_once_never_read_a_torn_pair(taxonomy_copy, tmp_path):
    folder = tmp_path / "compiled"
    expected = load_taxonomy(taxonomy_copy.path, cache=False).fingerprint
    reports = run_together("save", taxonomy_copy.path, folder, cache=tmp_path / "cache", tmp_path=tmp_path)
    assert [[fingerprint for fingerprint, _ in report] for report in reports] == [[expected] * 10] * PROCESSES
    assert sorted(p.name for p in folder.iterdir()) == ["arrays.npz", "meta.json"]
    assert Taxonomy.load_compiled(folder).fingerprint == expected


def test_a_reader_finds_a_pair_written_half_by_one_process_and_half_by_another(shipped, taxonomy_copy, tmp_path):
    """What a reader would see between the two renames of a save of *other* content into the same
    folder: the new arrays with the old meta.json. The hash refuses it."""
    taxonomy_copy.set("requirements.csv", 2, "level", "1")
    other = load_taxonomy(taxonomy_copy.path, cache=False)
    folder = shipped.save(tmp_path / "compiled")
    half = other.save(tmp_path / "other")
    write_atomic(folder / "arrays.npz", (half / "arrays.npz").read_bytes())
    with pytest.raises(TaxonomyError, match="altered or damaged"):
        Taxonomy.load_compiled(folder)
    write_atomic(folder / "meta.json", (half / "meta.json").read_bytes())
    assert Taxonomy.load_compiled(folder).fingerprint == other.fingerprint
