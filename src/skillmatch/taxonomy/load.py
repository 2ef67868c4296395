"""One entry point for every taxonomy source, with a compiled cache.

:func:`load_taxonomy` recognises the source by what is in it:

=====================================  ===========================================
skillmatch format                      a folder with ``manifest.json`` (format ``skillmatch-taxonomy``)
compiled taxonomy                      a folder with ``meta.json`` written by :meth:`Taxonomy.save`
ESCO v1.x CSV                          a folder with ``skills_en.csv`` … or the download's zips
CompetentNL RDF                        a ``.ttl``/``.nt``/``.n3``/``.rdf``/``.owl``/``.jsonld`` file, or a folder
=====================================  ===========================================

Only the named folder is looked at, never its subfolders (see each loader), so that a
path such as ``/`` or a folder of projects is refused at once instead of searched.

Parsed sources are compiled (arrays + JSON, no pickle) into a cache folder keyed by the
source files' names, sizes and modification times and the loader options, so the second
load of the full ESCO set takes a fraction of a second. The cache lives in
``$SKILLMATCH_CACHE_DIR`` or else ``~/.cache/skillmatch``; ``cache=False`` skips it.
An entry is written in full under a unique temporary folder and renamed into place, so
processes that fill one cache at the same time never see each other's half-written
files; an entry that fails its content hash (edited, swapped, cut short) is rebuilt from
the source, with a warning in ``taxonomy.problems``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from ..params import Boolean, Custom, Number, OneOf, Optional, Spec, check_params
from ..problems import DamagedTaxonomyError, Problem, TaxonomyError
from . import esco, native, rdf
from .core import COMPILED_FORMAT, META_FILE, Taxonomy, compiled_is_whole
from .tables import unreadable

#: bump when a loader changes what it produces, so old caches are not reused
#: (3: tables are read with strict quoting and whole records; sources are not searched recursively)
LOADER_VERSION = 3


def _path(value: Any) -> Path:
    if isinstance(value, (str, os.PathLike)) and str(value):
        return Path(value)
    raise ValueError


def _strengths(value: Any) -> dict[str, float]:
    if not isinstance(value, dict) or not set(value) <= set(esco.DEFAULT_RELATED_STRENGTH):
        raise ValueError
    return {name: Number(0.0, 1.0, low_open=True).check(s) for name, s in value.items()}


#: The arguments of :func:`load_taxonomy`, checked before anything is read.
PARAMETERS: dict[str, Spec] = {
    "path": Optional(Custom(_path, "a file or folder path")),
    "strict": Boolean(),
    "cache": Boolean(),
    "dutch": Optional(Custom(_path, "a folder path")),
}
#: The loader options (``**options``) each format takes.
FORMAT_OPTIONS: dict[str, dict[str, Spec]] = {
    "native": {},
    "compiled": {},
    "rdf": {},
    "esco": {
        "optional_as": OneOf(("essential", "important", "somewhat")),
        "related_strength": Optional(Custom(_strengths, "a dict of strengths in (0, 1] for 'essential' and/or "
                                                        "'optional' skill relations")),
    },
}


def cache_dir() -> Path:
    root = os.environ.get("SKILLMATCH_CACHE_DIR")
    return Path(root) if root else Path.home() / ".cache" / "skillmatch"


def shipped_taxonomy_path() -> Path:
    """The folder of the taxonomy shipped with skillmatch (``taxonomy/`` in the repository)."""
    from importlib.resources import files

    shipped = Path(str(files("skillmatch") / "_shipped"))
    if (shipped / "manifest.json").is_file():
        return shipped
    # source checkout without an installed copy: src/skillmatch/../../taxonomy
    checkout = Path(__file__).resolve().parents[3] / "taxonomy"
    if (checkout / "manifest.json").is_file():
        return checkout
    raise TaxonomyError([Problem("the shipped taxonomy was not found; reinstall skillmatch "
                                 "or pass the path of a taxonomy folder", where=str(shipped))])


def detect_format(path: Path) -> str:
    """'native', 'compiled', 'esco' or 'rdf'; a TaxonomyError explaining what was expected otherwise.

    Looks at ``path`` itself and the entries directly in it, never deeper.
    """
    path = Path(path)
    try:
        return _detect(path)
    except OSError as exc:  # e.g. a folder that may not be read
        raise TaxonomyError([Problem(f"cannot read: {exc.strerror or exc}", where=str(path))]) from None


def _detect(path: Path) -> str:
    if not path.exists():
        why = unreadable(path)
        raise TaxonomyError([Problem("no such file or folder" if why == "does not exist" else str(why),
                                     where=str(path))])
    if path.is_dir():
        if native.is_native(path):
            return "native"
        meta = path / "meta.json"
        if meta.is_file():
            try:
                if json.loads(meta.read_text(encoding="utf-8")).get("format") == COMPILED_FORMAT:
                    return "compiled"
            except (OSError, ValueError, AttributeError):  # bad JSON or UTF-8, or not an object
                pass
        if esco.is_esco(path):
            return "esco"
    if rdf.is_rdf(path):
        return "rdf"
    raise TaxonomyError([Problem(
        "not a taxonomy skillmatch can read: expected a folder with manifest.json (skillmatch format), "
        "meta.json (compiled), ESCO CSV files (skills_en.csv, occupations_en.csv, occupationSkillRelations.csv, "
        "or the zips that hold them) directly in it, or an RDF file (.ttl, .nt, .n3, .rdf, .owl, .xml, .jsonld)",
        where=str(path)), *esco.skipped_entries(path)])


def _fingerprint(fmt: str, files: list[Path], options: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([fmt, LOADER_VERSION, options], sort_keys=True, default=str).encode())
    for f in files:
        try:
            st = f.stat()
        except OSError:  # gone since it was listed: the loader reports it; the key just differs
            h.update(f"{f}|missing".encode())
            continue
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


def _store(taxonomy: Taxonomy, target: Path) -> None:
    """Publish ``taxonomy`` as the cache entry ``target``, atomically.

    The entry is written in full into a unique temporary folder next to ``target`` and
    renamed into place (a rename is atomic, and refused when ``target`` is a folder that is
    not empty). When another process published the entry first, its copy is kept: the
    same key means the same content. A damaged entry is moved aside and replaced.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    os.mkdir(tmp)
    try:
        taxonomy.save(tmp)
        for _ in range(3):
            try:
                os.rename(tmp, target)
                return
            except OSError:
                if not target.exists():
                    continue  # moved aside by another process in between: try again
            if compiled_is_whole(target):
                return  # another process was first
            old = target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.old")
            with contextlib.suppress(OSError):
                os.rename(target, old)
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # nothing left after a successful rename


def load_taxonomy(path: str | Path | None = None, *, strict: bool = False, cache: bool = True,
                  dutch: str | Path | None = None, **options: Any) -> Taxonomy:
    """Load a taxonomy from ``path`` (default: the shipped Dutch taxonomy).

    Parameters
    ----------
    path : str or Path, optional
        A taxonomy folder or file; see the module docstring for what is recognised.
    strict : bool
        Treat warnings (e.g. ESCO relations naming an occupation that has no row) as errors.
    cache : bool
        Reuse / write the compiled cache (see :func:`cache_dir`).
    dutch : str or Path, optional
        ESCO only: a folder with Dutch labels to merge (``occupations_nl.csv``,
        ``skillsHierarchy_nl*.csv``).
    **options
        Passed to the format's loader (ESCO: ``optional_as``, ``related_strength``;
        :data:`FORMAT_OPTIONS`); an option the format does not take is an error.

    Raises
    ------
    TaxonomyError
        Listing every problem found, each with file, line or record, field and value.
    InputError
        A parameter of the wrong type or range (:data:`PARAMETERS`), before anything is read.
    """
    p = check_params("load_taxonomy", PARAMETERS, {"path": path, "strict": strict, "cache": cache, "dutch": dutch})
    path = p["path"] or shipped_taxonomy_path()
    strict, cache = p["strict"], p["cache"]
    dutch_folder: Path | None = p["dutch"]
    fmt = detect_format(path)
    allowed = FORMAT_OPTIONS[fmt]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TaxonomyError([Problem(f"unknown option(s) {unknown} for a taxonomy of this format ({fmt}); expected "
                                     f"{sorted(allowed) if allowed else 'none'}", where="load_taxonomy",
                                     field=unknown[0])])
    options = check_params("load_taxonomy", {name: allowed[name] for name in options}, options)
    if dutch_folder is not None and fmt != "esco":
        raise TaxonomyError([Problem("Dutch label merging is for ESCO sources only", field="dutch",
                                     value=str(dutch_folder))])
    if fmt == "compiled":
        return Taxonomy.load_compiled(path)
    if fmt == "esco":
        files = esco.source_files(path, dutch_folder)
        options = {"dutch": str(dutch_folder) if dutch_folder else None, **options}
    elif fmt == "native":
        files = native.source_files(path)
    else:
        files = rdf.source_files(path)

    target = cache_dir() / "taxonomy" / _fingerprint(fmt, files, {"strict": strict, **options})
    damaged: Problem | None = None
    if cache and (target / META_FILE).is_file():
        try:
            return Taxonomy.load_compiled(target)
        except DamagedTaxonomyError as exc:
            reason = "; ".join(p.message for p in exc.problems)
            damaged = Problem(f"the compiled cache of this source was altered or damaged and has been rebuilt from "
                              f"the source ({reason})", where=str(target), severity="warning")
        except TaxonomyError:
            pass  # written by another version of skillmatch: rebuilt below

    if fmt == "native":
        taxonomy = native.load_native(path, strict=strict, **options)
    elif fmt == "esco":
        taxonomy = esco.load_esco(path, strict=strict, **options)
    else:
        taxonomy = rdf.load_rdf(path, strict=strict, **options)
    if cache:
        with contextlib.suppress(OSError):  # a read-only home must not stop loading; the next load parses again
            _store(taxonomy, target)
    if damaged is not None:  # after storing: the new entry is whole and must not carry the notice
        taxonomy.problems.append(damaged)
    return taxonomy
