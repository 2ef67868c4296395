"""The Taxonomy: concepts, hierarchy, relations, occupations, training, paths, regions.

Everything the later stages need is held as arrays: concepts and occupations are numbered
densely (``concept_index``/``occupation_index`` map URI <-> int), the hierarchy, the
related-skill links, the occupations' requirements and the skills that modules teach are
``scipy.sparse`` CSR matrices over those numbers. Records (modules, paths, regions,
sectors) stay pydantic models. A taxonomy is built by :class:`~.build.TaxonomyBuilder`
(which validates) and saved/loaded in a compiled form (``arrays.npz`` + ``meta.json``, no
pickle) that reloads the full ESCO set in well under a second.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import uuid
import zipfile
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from ..models import (
    IMPORTANCE_NAMES,
    Concept,
    ConceptKind,
    DevelopmentPath,
    Importance,
    Occupation,
    Region,
    Requirement,
    Sector,
    TrainingModule,
)
from ..problems import DamagedTaxonomyError, Problem, TaxonomyError, closest

KIND_CODES: dict[ConceptKind, int] = {"capability": 0, "knowledge": 1, "group": 2}
KIND_NAMES: dict[int, ConceptKind] = {v: k for k, v in KIND_CODES.items()}
COMPILED_FORMAT = "skillmatch-compiled"
#: 2: meta.json carries a content hash over both files
COMPILED_VERSION = 2
ARRAYS_FILE, META_FILE = "arrays.npz", "meta.json"


@dataclass
class LabelTable:
    """Identifiers and labels of a set of concepts or occupations, in index order."""

    ids: list[str]
    pref_nl: list[str]
    pref_en: list[str]
    alt_nl: list[list[str]]
    alt_en: list[list[str]]
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {uri: i for i, uri in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.ids)

    def label(self, i: int, lang: str = "nl") -> str:
        """Preferred label in ``lang``, falling back to the other language, then the id."""
        first, second = (self.pref_nl, self.pref_en) if lang == "nl" else (self.pref_en, self.pref_nl)
        return first[i] or second[i] or self.ids[i]

    def to_json(self) -> dict:
        return {"ids": self.ids, "pref_nl": self.pref_nl, "pref_en": self.pref_en, "alt_nl": self.alt_nl, "alt_en": self.alt_en}


def _csr_parts(name: str, m: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {f"{name}.indptr": m.indptr, f"{name}.indices": m.indices, f"{name}.data": m.data, f"{name}.shape": np.asarray(m.shape)}


def _csr_from(arrays: dict[str, np.ndarray], name: str) -> sp.csr_matrix:
    shape = tuple(int(x) for x in arrays[f"{name}.shape"])
    return sp.csr_matrix((arrays[f"{name}.data"], arrays[f"{name}.indices"], arrays[f"{name}.indptr"]), shape=shape)


class Taxonomy:
    """A loaded, validated skills taxonomy.

    Attributes
    ----------
    concepts : LabelTable
        Capabilities, knowledge areas and groups; ``concepts.index[uri]`` is the column of
        that concept in every skill matrix.
    concept_kind : ndarray of int8, shape (n_concepts,)
        0 capability, 1 knowledge area, 2 group (a node of the hierarchy only).
    concept_level : ndarray of int8, shape (n_concepts,)
        Level in the hierarchy as the source gives it (CompetentNL 1–3, ESCO 0–3 for
        groups), -1 when unknown.
    broader : csr_matrix of int8, shape (n_concepts, n_concepts)
        ``broader[i, j] == 1`` when j is a broader concept of i (polyhierarchy allowed).
    related : csr_matrix of float32, shape (n_concepts, n_concepts)
        Symmetric related-skill links with their strength in (0, 1].
    occupations : LabelTable
    occupation_isco, occupation_sector : list of str (``""`` when unknown)
    requirements : csr_matrix of int8, shape (n_occupations, n_concepts)
        Importance codes: 3 essential, 2 important, 1 somewhat relevant.
    requirement_levels : csr_matrix of float32, same sparsity as ``requirements``
        Required level on the 1–5 scale.
    modules : list of TrainingModule, ``module_index`` id -> position
    module_skills : csr_matrix of float32, shape (n_modules, n_concepts)
        Level reached in each skill a module teaches.
    paths : list of DevelopmentPath; regions : list of Region; sectors : dict id -> Sector
    problems : list of Problem
        Warnings met while loading (errors are raised instead).
    """

    def __init__(
        self,
        *,
        name: str,
        source: str,
        concepts: LabelTable,
        concept_kind: np.ndarray,
        concept_level: np.ndarray,
        concept_meta: dict[str, list[str]] | None,
        broader: sp.csr_matrix,
        related: sp.csr_matrix,
        occupations: LabelTable,
        occupation_isco: list[str],
        occupation_sector: list[str],
        requirements: sp.csr_matrix,
        requirement_levels: sp.csr_matrix,
        modules: list[TrainingModule],
        module_skills: sp.csr_matrix,
        paths: list[DevelopmentPath],
        regions: list[Region],
        sectors: dict[str, Sector],
        problems: list[Problem] | None = None,
    ):
        self.name = name
        self.source = source
        self.concepts = concepts
        self.concept_kind = np.asarray(concept_kind, dtype=np.int8)
        self.concept_level = np.asarray(concept_level, dtype=np.int8)
        self.concept_meta = concept_meta or {}
        self.broader = broader
        self.related = related
        self.occupations = occupations
        self.occupation_isco = occupation_isco
        self.occupation_sector = occupation_sector
        self.requirements = requirements
        self.requirement_levels = requirement_levels
        self.modules = modules
        self.module_index = {m.id: i for i, m in enumerate(modules)}
        self.module_skills = module_skills
        self.paths = paths
        self.path_index = {p.id: i for i, p in enumerate(paths)}
        self.regions = regions
        self.region_index = {r.id: i for i, r in enumerate(regions)}
        self.sectors = sectors
        self.problems = problems or []
        self._narrower: sp.csr_matrix | None = None
        self._fingerprint: str | None = None

    # --- sizes and lookup -----------------------------------------------------------------

    @property
    def n_concepts(self) -> int:
        return len(self.concepts)

    @property
    def n_occupations(self) -> int:
        return len(self.occupations)

    @property
    def skill_mask(self) -> np.ndarray:
        """Boolean mask of concepts that can be held or required (not pure groups)."""
        return self.concept_kind != KIND_CODES["group"]

    def __repr__(self) -> str:
        return (
            f"<Taxonomy {self.name!r}: {self.n_concepts} concepts, {self.n_occupations} occupations, "
            f"{self.requirements.nnz} requirements, {len(self.modules)} modules, {len(self.paths)} paths, "
            f"{len(self.regions)} regions>"
        )

    def summary(self) -> dict[str, int]:
        kinds = np.bincount(self.concept_kind, minlength=3)
        return {
            "capabilities": int(kinds[0]),
            "knowledge_areas": int(kinds[1]),
            "groups": int(kinds[2]),
            "broader_links": int(self.broader.nnz),
            "related_links": int(self.related.nnz // 2),
            "occupations": self.n_occupations,
            "requirements": int(self.requirements.nnz),
            "modules": len(self.modules),
            "paths": len(self.paths),
            "regions": len(self.regions),
            "sectors": len(self.sectors),
            "warnings": len(self.problems),
        }

    def concept_id_to_index(self, uri: str, *, where: str = "concept") -> int:
        """Index of concept ``uri``; a :class:`TaxonomyError` naming the closest label if absent."""
        i = self.concepts.index.get(uri)
        if i is None:
            raise TaxonomyError([self._unknown(uri, self.concepts, where, "concept")])
        return i

    def occupation_id_to_index(self, uri: str, *, where: str = "occupation") -> int:
        i = self.occupations.index.get(uri)
        if i is None:
            raise TaxonomyError([self._unknown(uri, self.occupations, where, "occupation")])
        return i

    @staticmethod
    def _unknown(uri: str, table: LabelTable, where: str, what: str) -> Problem:
        hint = closest(uri, table.ids)
        suggestion = f" (closest id: {hint[0]!r})" if hint else ""
        return Problem(f"{what} {uri!r} is not in the taxonomy{suggestion}", where=where, value=uri)

    def concept_label(self, i: int, lang: str = "nl") -> str:
        return self.concepts.label(i, lang)

    def occupation_label(self, i: int, lang: str = "nl") -> str:
        return self.occupations.label(i, lang)

    def concept(self, uri_or_index: str | int) -> Concept:
        """The concept as a record (built on demand)."""
        i = uri_or_index if isinstance(uri_or_index, (int, np.integer)) else self.concept_id_to_index(uri_or_index)
        c = self.concepts
        lo, hi = self.broader.indptr[i], self.broader.indptr[i + 1]
        meta = {k: (v[i] or None) for k, v in self.concept_meta.items()}
        return Concept(
            id=c.ids[i],
            kind=KIND_NAMES[int(self.concept_kind[i])],
            pref_label_nl=c.pref_nl[i],
            pref_label_en=c.pref_en[i],
            alt_labels_nl=tuple(c.alt_nl[i]),
            alt_labels_en=tuple(c.alt_en[i]),
            broader=tuple(c.ids[j] for j in self.broader.indices[lo:hi]),
            level=None if self.concept_level[i] < 0 else int(self.concept_level[i]),
            riasec=meta.get("riasec"),
            isced_f=meta.get("isced_f"),
            origin=meta.get("origin") or "",
            definition=meta.get("definition") or "",
        )

    def occupation(self, uri_or_index: str | int) -> Occupation:
        """The occupation with its requirements as a record (built on demand)."""
        i = uri_or_index if isinstance(uri_or_index, (int, np.integer)) else self.occupation_id_to_index(uri_or_index)
        o = self.occupations
        lo, hi = self.requirements.indptr[i], self.requirements.indptr[i + 1]
        reqs = tuple(
            Requirement(skill=self.concepts.ids[j], importance=cast(Importance, IMPORTANCE_NAMES[int(imp)]),
                        level=int(lvl))
            for j, imp, lvl in zip(
                self.requirements.indices[lo:hi], self.requirements.data[lo:hi], self.requirement_levels.data[lo:hi]
            )
        )
        return Occupation(
            id=o.ids[i],
            pref_label_nl=o.pref_nl[i],
            pref_label_en=o.pref_en[i],
            alt_labels_nl=tuple(o.alt_nl[i]),
            alt_labels_en=tuple(o.alt_en[i]),
            isco=self.occupation_isco[i] or None,
            sector=self.occupation_sector[i] or None,
            requirements=reqs,
        )

    @property
    def fingerprint(self) -> str:
        """A short content hash of what matching depends on: concept and occupation ids in
        index order, concept kinds, the hierarchy, related links and requirements.

        Skill vectors, candidate indexes and match results built against one taxonomy
        carry this value; using them with a taxonomy of another fingerprint is refused,
        because column ``j`` would mean another concept there.
        """
        if self._fingerprint is None:
            h = hashlib.sha256()
            for ids in (self.concepts.ids, self.occupations.ids):
                h.update(len(ids).to_bytes(8, "little"))
                h.update("\n".join(ids).encode("utf-8"))
            h.update(np.ascontiguousarray(self.concept_kind).tobytes())
            for m in (self.broader, self.related, self.requirements, self.requirement_levels):
                for part in (m.indptr, m.indices, m.data):
                    h.update(np.ascontiguousarray(part).tobytes())
            self._fingerprint = h.hexdigest()[:16]
        return self._fingerprint

    # --- hierarchy --------------------------------------------------------------------------

    @property
    def narrower(self) -> sp.csr_matrix:
        """``narrower[i, j] == 1`` when j is a narrower concept of i."""
        if self._narrower is None:
            self._narrower = self.broader.T.tocsr()
            self._narrower.sort_indices()
        return self._narrower

    def broader_of(self, i: int) -> np.ndarray:
        return self.broader.indices[self.broader.indptr[i] : self.broader.indptr[i + 1]]

    def narrower_of(self, i: int) -> np.ndarray:
        n = self.narrower
        return n.indices[n.indptr[i] : n.indptr[i + 1]]

    def ancestors(self, i: int) -> list[int]:
        """All broader concepts of ``i``, nearest first, each once."""
        seen: dict[int, None] = {}  # insertion-ordered set: O(1) membership in a polyhierarchy
        frontier = deque(int(j) for j in self.broader_of(i))
        while frontier:
            j = frontier.popleft()
            if j not in seen:
                seen[j] = None
                frontier.extend(int(k) for k in self.broader_of(j))
        return list(seen)

    def occupations_in_sector(self, sector: str) -> np.ndarray:
        return np.array([i for i, s in enumerate(self.occupation_sector) if s == sector], dtype=np.int64)

    # --- compiled form ------------------------------------------------------------------------

    def save(self, folder: str | Path) -> Path:
        """Write the compiled form (``arrays.npz`` + ``meta.json``) into ``folder``.

        ``meta.json`` starts with ``"content_sha256"``: a SHA-256 over the bytes of
        ``arrays.npz`` and of the rest of ``meta.json``, which :meth:`load_compiled` checks,
        so that an edited file, a swapped pair or a half-finished write is found instead of
        mapping URIs to the wrong columns. It detects accidents, it is not a signature.

        Each file is written under a unique temporary name in ``folder`` and moved into place
        with ``os.replace``, the arrays first: a reader sees each file whole, old or new, and
        a pair of an old and a new file fails the hash check. The bytes depend only on the
        content (no timestamps), so processes saving the same taxonomy write the same files.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"concept_kind": self.concept_kind, "concept_level": self.concept_level}
        for name in ("broader", "related", "requirements", "requirement_levels", "module_skills"):
            arrays.update(_csr_parts(name, getattr(self, name)))
        meta = {
            "format": COMPILED_FORMAT,
            "format_version": COMPILED_VERSION,
            "name": self.name,
            "source": self.source,
            "concepts": self.concepts.to_json(),
            "concept_meta": self.concept_meta,
            "occupations": self.occupations.to_json(),
            "occupation_isco": self.occupation_isco,
            "occupation_sector": self.occupation_sector,
            "modules": [m.model_dump(mode="json") for m in self.modules],
            "paths": [p.model_dump(mode="json") for p in self.paths],
            "regions": [r.model_dump(mode="json") for r in self.regions],
            "sectors": [s.model_dump(mode="json") for s in self.sectors.values()],
            "problems": [p.__dict__ | {"value": _json_value(p.value)} for p in self.problems],
        }
        arrays_bytes = _npz_bytes(arrays)
        body = json.dumps(meta, ensure_ascii=False).encode("utf-8")
        digest = _content_hash(arrays_bytes, body)
        write_atomic(folder / ARRAYS_FILE, arrays_bytes)
        write_atomic(folder / META_FILE, _HASH_HEAD % digest.encode("ascii") + body[1:])
        return folder

    @classmethod
    def load_compiled(cls, folder: str | Path) -> Taxonomy:
        """Read a folder written by :meth:`save`.

        Raises
        ------
        TaxonomyError
            When ``meta.json`` is absent or of another format or version (a cache entry of
            another skillmatch version, say).
        DamagedTaxonomyError
            When the files were altered or damaged: they do not match their content hash,
            or cannot be read.
        """
        folder = Path(folder)
        meta, arrays_bytes = _read_compiled(folder)
        try:
            with np.load(io.BytesIO(arrays_bytes), allow_pickle=False) as npz:
                arrays = dict(npz)
            return cls._from_compiled(meta, arrays)
        except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as exc:
            # the hash holds, so the files are as they were written (by a bug, or by another skillmatch
            # with the same format version): say what is wrong, so that load_taxonomy rebuilds the entry
            raise DamagedTaxonomyError([Problem(f"compiled taxonomy is damaged ({type(exc).__name__}: {exc})",
                                                where=str(folder))]) from None

    @classmethod
    def _from_compiled(cls, meta: dict, arrays: dict[str, np.ndarray]) -> Taxonomy:
        return cls(
            name=meta["name"],
            source=meta["source"],
            concepts=LabelTable(**meta["concepts"]),
            concept_kind=arrays["concept_kind"],
            concept_level=arrays["concept_level"],
            concept_meta=meta["concept_meta"],
            broader=_csr_from(arrays, "broader"),
            related=_csr_from(arrays, "related"),
            occupations=LabelTable(**meta["occupations"]),
            occupation_isco=meta["occupation_isco"],
            occupation_sector=meta["occupation_sector"],
            requirements=_csr_from(arrays, "requirements"),
            requirement_levels=_csr_from(arrays, "requirement_levels"),
            modules=[TrainingModule.model_validate(m) for m in meta["modules"]],
            module_skills=_csr_from(arrays, "module_skills"),
            paths=[DevelopmentPath.model_validate(p) for p in meta["paths"]],
            regions=[Region.model_validate(r) for r in meta["regions"]],
            sectors={s["id"]: Sector.model_validate(s) for s in meta["sectors"]},
            problems=[Problem(**p) for p in meta["problems"]],
        )


def _json_value(value: object) -> object:
    """``value`` itself when JSON can hold it (lists stay lists), else its repr."""
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


#: ``meta.json`` opens with the content hash, at a fixed place, so that it can be checked
#: on the file's bytes without parsing and writing the JSON again
_HASH_HEAD = b'{"content_sha256": "%s", '
_HASH_HEAD_PATTERN = re.compile(rb'\{"content_sha256": "([0-9a-f]{64})", ')


def _content_hash(arrays_bytes: bytes, body: bytes) -> str:
    """SHA-256 over the arrays file and the rest of ``meta.json`` (each length-prefixed)."""
    h = hashlib.sha256()
    for part in (arrays_bytes, body):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """``arrays`` as an ``.npz`` archive (what ``np.savez`` writes, read by ``np.load``),
    with a fixed date on every member, so that equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in arrays.items():
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a unique temporary name in the same folder, then
    ``os.replace``: a reader sees the old file or the new one, never a part of either, and
    two writers never write into the same temporary file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    # O_EXCL: the name is ours alone; mode 0o666 lets the umask decide, as for any new file
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _read_compiled(folder: Path) -> tuple[dict[str, Any], bytes]:
    """The parsed ``meta.json`` of a compiled folder and the bytes of its ``arrays.npz``,
    checked against the content hash; the errors of :meth:`Taxonomy.load_compiled`."""
    meta_file = folder / META_FILE
    try:
        text = meta_file.read_bytes()
    except FileNotFoundError:
        raise TaxonomyError([Problem("no compiled taxonomy here: meta.json is absent", where=str(meta_file))]) from None
    except OSError as exc:
        raise DamagedTaxonomyError([Problem(f"cannot read compiled taxonomy: {exc}", where=str(meta_file))]) from None
    try:
        meta = json.loads(text.decode("utf-8"))
    except ValueError as exc:  # bad JSON or bad UTF-8
        raise DamagedTaxonomyError([Problem(f"cannot read compiled taxonomy: {exc}", where=str(meta_file))]) from None
    if not isinstance(meta, dict):
        meta = {"format": None, "format_version": None}
    if meta.get("format") != COMPILED_FORMAT or meta.get("format_version") != COMPILED_VERSION:
        raise TaxonomyError(
            [Problem(f"expected format {COMPILED_FORMAT!r} version {COMPILED_VERSION}, "
                     f"found {meta.get('format')!r} version {meta.get('format_version')!r}", where=str(meta_file))]
        )
    head = _HASH_HEAD_PATTERN.match(text)
    if head is None:
        raise DamagedTaxonomyError([Problem(
            "the compiled taxonomy was altered or damaged: meta.json does not start with its content hash "
            '("content_sha256"), as skillmatch writes it; was it edited or rewritten by hand?', where=str(meta_file))])
    try:
        arrays_bytes = (folder / ARRAYS_FILE).read_bytes()
    except OSError as exc:
        raise DamagedTaxonomyError([Problem(f"the compiled taxonomy is damaged: cannot read {ARRAYS_FILE} "
                                            f"({exc.strerror or exc})", where=str(folder))]) from None
    if _content_hash(arrays_bytes, b"{" + text[head.end():]) != head.group(1).decode("ascii"):
        raise DamagedTaxonomyError([Problem(
            f"the compiled taxonomy was altered or damaged: {META_FILE} and {ARRAYS_FILE} do not match the content "
            "hash written with them (a file edited by hand, swapped, or cut short)", where=str(folder))])
    return meta, arrays_bytes


def compiled_is_whole(folder: str | Path) -> bool:
    """True when ``folder`` holds a compiled taxonomy of this version that matches its content hash."""
    try:
        _read_compiled(Path(folder))
    except TaxonomyError:
        return False
    return True
