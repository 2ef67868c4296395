"""The manifest of a batch run: what went in, with which options, and which chunks are done.

A run of :func:`~skillmatch.batch.run.run_match` keeps ``<out>.manifest.json`` next to its
output, rewritten atomically (temporary name, fsync, rename) after every chunk whose part
file is safely on disk. A resumed run reads it back, checks that the inputs, the options
and the taxonomy are what they were, checks every finished part against its size and
SHA-256, and continues after the last good one. When the run completes, the manifest
stays as the record of what produced the output (``status: "complete"``, with the
output's size and hash); the part files are removed.

Format (JSON, ``format: "skillmatch-run"``, ``format_version: 1``)::

    {
      "format": "skillmatch-run", "format_version": 1, "skillmatch": "0.1.0",
      "status": "running" | "complete",
      "run": "9f2c4e0b7a1d3e55",               # hash of inputs + options + taxonomy
      "inputs": {
        "queries":    {"role": "jobseekers", "path": "...", "size": 123, "mtime": 1.7e9, "sha256": "..."},
        "candidates": {"role": "vacancies",  "path": "...", "size": 456, "mtime": 1.7e9, "sha256": "..."}
      },
      "taxonomy": {"name": "skillmatch-nl", "fingerprint": "..."},
      "options": {"direction": "jobseekers", "k": 10, "chunk_size": 10000, "explanations": null,
                  "lang": "nl", "decimals": null, "output": "csv", "min_label_score": 90.0,
                  "ambiguous": "warn", "matcher": {... MatchSettings ...}},
      "candidates": {"records": 20000, "rejected": 3, "problems": 4, "errors_part": "errors-candidates.jsonl"},
      "chunks": [
        {"number": 0, "first_line": 1, "last_line": 10002, "records": 10000, "rejected": 2, "problems": 2,
         "rows": 100000, "part": "part-000000.csv", "bytes": 4412345, "sha256": "...",
         "errors_part": "errors-000000.jsonl"},
        ...
      ],
      "counts": {"queries": 50000, "rejected": 12, "rows": 500000, "chunks": 5},
      "output": {"path": "...", "bytes": 22061725, "sha256": "..."},      # once complete
      "started": "2025-06-01T02:00:00+00:00", "updated": "..."
    }

``first_line`` and ``last_line`` are the lines of the chunk's first and last record (CSV:
the line where a record starts; Parquet: row numbers); ``rejected`` counts the bad records
read since the previous chunk. ``run`` changes
when anything that decides the output changes; ``n_threads``, Dask and the errors file's
path do not decide it, so a run may resume on another machine or cluster.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..problems import InputError, Problem

MANIFEST_FORMAT = "skillmatch-run"
MANIFEST_VERSION = 1
_BLOCK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks of 1 MiB."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def describe_input(path: str | Path, role: str) -> dict[str, Any]:
    """``role``, ``path``, ``size``, ``mtime`` and ``sha256`` of an input file."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise InputError([Problem("no such file", where=str(path))]) from None
    if path.is_dir():
        raise InputError([Problem("is a folder; expected a file", where=str(path))])
    return {"role": role, "path": str(path), "size": stat.st_size, "mtime": stat.st_mtime,
            "sha256": sha256_file(path)}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def run_id(inputs: Mapping[str, Any], options: Mapping[str, Any], taxonomy: Mapping[str, Any]) -> str:
    """The hash of everything that decides a run's output (inputs by content, not by path or time)."""
    content = {role: {"role": d["role"], "sha256": d["sha256"], "size": d["size"]} for role, d in inputs.items()}
    return hashlib.sha256(_canonical([content, options, taxonomy]).encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Manifest:
    """A run's manifest (see the module docstring); :meth:`save` writes it atomically."""

    path: Path
    inputs: dict[str, Any]
    taxonomy: dict[str, Any]
    options: dict[str, Any]
    version: str
    status: str = "running"
    candidates: dict[str, Any] = field(default_factory=dict)
    chunks: list[dict[str, Any]] = field(default_factory=list)
    output: dict[str, Any] | None = None
    started: str = field(default_factory=_now)
    updated: str = ""

    @property
    def run(self) -> str:
        return run_id(self.inputs, self.options, self.taxonomy)

    @property
    def parts(self) -> Path:
        """The folder of the part files: ``<out>.parts`` for a manifest ``<out>.manifest.json``."""
        return self.path.with_name(self.path.name.removesuffix(".manifest.json") + ".parts")

    def counts(self) -> dict[str, int]:
        return {"queries": sum(c["records"] for c in self.chunks), "rejected": sum(c["rejected"] for c in self.chunks),
                "rows": sum(c["rows"] for c in self.chunks), "chunks": len(self.chunks)}

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": MANIFEST_FORMAT, "format_version": MANIFEST_VERSION, "skillmatch": self.version,
            "status": self.status, "run": self.run, "inputs": self.inputs, "taxonomy": self.taxonomy,
            "options": self.options, "candidates": self.candidates, "chunks": self.chunks, "counts": self.counts(),
            "started": self.started, "updated": self.updated}
        if self.output is not None:
            data["output"] = self.output
        return data

    def save(self) -> None:
        from .writers import atomic_write

        self.updated = _now()
        data = (json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8")

        def write(f: Any) -> None:
            f.write(data)

        atomic_write(self.path, write)

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        """Read a manifest; an :class:`InputError` names the file when it cannot be used."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError([Problem(f"cannot read the manifest of the interrupted run ({e}); run again without "
                                      "--resume to start over", where=str(path))]) from None
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT \
                or data.get("format_version") != MANIFEST_VERSION:
            raise InputError([Problem(f"not a {MANIFEST_FORMAT!r} manifest of version {MANIFEST_VERSION}; run again "
                                      "without --resume to start over", where=str(path))])
        try:
            return cls(path=path, inputs=data["inputs"], taxonomy=data["taxonomy"], options=data["options"],
                       version=data["skillmatch"], status=data["status"], candidates=data.get("candidates", {}),
                       chunks=list(data["chunks"]), output=data.get("output"), started=data.get("started", ""),
                       updated=data.get("updated", ""))
        except (KeyError, TypeError) as e:
            raise InputError([Problem(f"the manifest is damaged (missing {e}); run again without --resume to start "
                                      "over", where=str(path))]) from None

    def differences(self, other: Manifest) -> list[str]:
        """What differs between this (the interrupted run) and ``other`` (the run asked for), in words."""
        out = []
        if self.version != other.version:
            out.append(f"skillmatch version {self.version} -> {other.version}")
        for role in sorted(set(self.inputs) | set(other.inputs)):
            old, new = self.inputs.get(role), other.inputs.get(role)
            if old is None or new is None:
                out.append(f"input {role}: missing on one side")
            elif old["sha256"] != new["sha256"] or old["size"] != new["size"]:
                out.append(f"{new['path']} ({new['role']}) changed since the interrupted run: size {old['size']:,} -> "
                           f"{new['size']:,} bytes, sha256 {old['sha256'][:12]}… -> {new['sha256'][:12]}…")
        if self.taxonomy.get("fingerprint") != other.taxonomy.get("fingerprint"):
            out.append(f"taxonomy {self.taxonomy.get('name')!r} ({self.taxonomy.get('fingerprint')}) -> "
                       f"{other.taxonomy.get('name')!r} ({other.taxonomy.get('fingerprint')})")
        out += [f"option {name}: {old!r} -> {new!r}" for name, old, new in _changed(self.options, other.options)]
        return out


def _changed(old: Any, new: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            out += _changed(old.get(key), new.get(key), f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
        return out
    return [] if _canonical(old) == _canonical(new) else [(prefix, old, new)]


def manifest_path(out: str | Path) -> Path:
    """Where the manifest of a run writing ``out`` lives: ``<out>.manifest.json``."""
    out = Path(out)
    return out.with_name(out.name + ".manifest.json")


def check_part(folder: Path, chunk: Mapping[str, Any]) -> bool:
    """Whether a finished chunk's part file (and its errors part) are on disk as the manifest says."""
    part = folder / chunk["part"]
    try:
        if part.stat().st_size != chunk["bytes"] or sha256_file(part) != chunk["sha256"]:
            return False
        if chunk.get("errors_part"):
            errors = folder / chunk["errors_part"]
            if errors.stat().st_size != chunk["errors_bytes"] or sha256_file(errors) != chunk["errors_sha256"]:
                return False
    except (OSError, KeyError):
        return False
    return True


def remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
