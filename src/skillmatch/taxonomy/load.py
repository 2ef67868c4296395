"""One entry point for every taxonomy source, with a compiled cache.

:func:`load_taxonomy` recognises the source by what is in it:

=====================================  ===========================================
skillmatch format                      a folder with ``manifest.json`` (format ``skillmatch-taxonomy``)
compiled taxonomy                      a folder with ``meta.json`` written by :meth:`Taxonomy.save`
ESCO v1.x CSV                          a folder with ``skills_en.csv`` … or the download's zips
CompetentNL RDF                        a ``.ttl``/``.nt``/``.n3``/``.rdf``/``.owl``/``.jsonld`` file, or a folder
=====================================  ===========================================

Parsed sources are compiled (arrays + JSON, no pickle) into a cache folder keyed by the
source files' names, sizes and modification times and the loader options, so the second
load of the full ESCO set takes a fraction of a second. The cache lives in
``$SKILLMATCH_CACHE_DIR`` or else ``~/.cache/skillmatch``; ``cache=False`` skips it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..problems import Problem, TaxonomyError
from . import esco, native, rdf
from .core import COMPILED_FORMAT, Taxonomy

#: bump when a loader changes what it produces, so old caches are not reused
LOADER_VERSION = 2


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
    """'native', 'compiled', 'esco' or 'rdf'; a TaxonomyError explaining what was expected otherwise."""
    if not path.exists():
        raise TaxonomyError([Problem("no such file or folder", where=str(path))])
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
        "or the zips that hold them), or an RDF file (.ttl, .nt, .n3, .rdf, .owl, .xml, .jsonld)", where=str(path))])


def _fingerprint(fmt: str, files: list[Path], options: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(json.dumps([fmt, LOADER_VERSION, options], sort_keys=True, default=str).encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:24]


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
        Passed to the format's loader (ESCO: ``optional_as``, ``related_strength``).

    Raises
    ------
    TaxonomyError
        Listing every problem found, each with file, line or record, field and value.
    """
    path = shipped_taxonomy_path() if path is None else Path(path)
    fmt = detect_format(path)
    if fmt == "compiled":
        return Taxonomy.load_compiled(path)
    if fmt == "esco":
        files = esco.source_files(path, dutch)
        options = {"dutch": str(dutch) if dutch else None, **options}
    elif dutch is not None:
        raise TaxonomyError([Problem("Dutch label merging is for ESCO sources only", field="dutch", value=str(dutch))])
    elif fmt == "native":
        files = native.source_files(path)
    else:
        files = rdf.source_files(path)

    target = cache_dir() / "taxonomy" / _fingerprint(fmt, files, {"strict": strict, **options})
    if cache and (target / "meta.json").is_file():
        try:
            return Taxonomy.load_compiled(target)
        except (TaxonomyError, OSError, KeyError, ValueError):
            pass  # a stale or damaged cache is rebuilt below

    if fmt == "native":
        taxonomy = native.load_native(path, strict=strict, **options)
    elif fmt == "esco":
        taxonomy = esco.load_esco(path, strict=strict, **options)
    else:
        taxonomy = rdf.load_rdf(path, strict=strict, **options)
    if cache:
        try:
            taxonomy.save(target)
        except OSError:
            pass  # a read-only home must not stop loading; the next load parses again
    return taxonomy
