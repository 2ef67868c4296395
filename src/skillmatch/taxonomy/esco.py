"""Loader for ESCO v1.x CSV downloads (English), with optional Dutch labels.

Reads a folder holding either the extracted CSV files or the two zips of the download
(``classification-en-csv.zip`` and ``relations-csv.zip``), directly in it: subfolders are
not searched. A zip archive in the folder that is not valid, or a dangling symbolic link
where an ESCO file would be, is skipped with a warning (and named in the error when a
required file is then missing):

- ``skills_en.csv`` (skills and knowledge) and ``skillGroups_en.csv`` plus the groups named
  in ``skillsHierarchy_en.csv`` (v1.1.1 names seven groups there that ``skillGroups_en.csv``
  lacks) become concepts; ``broaderRelationsSkillPillar.csv`` the hierarchy;
- ``skillSkillRelations.csv`` the related-skill links (symmetric; strength per relation
  type, ``related_strength``);
- ``occupations_en.csv`` the occupations with their ISCO unit group;
- ``occupationSkillRelations.csv`` the requirements: ``essential`` stays essential,
  ``optional`` becomes ``optional_as`` (default ``"somewhat"``: ESCO's optional skills are
  nice to have, which is CompetentNL's "enigszins relevant"). ESCO gives no required
  level, so every requirement asks for level 3 (bekwaam).

Label fields hold several values separated by newlines inside quotes. Relations that name
an occupation or skill without a row (v1.1.1 has one such occupation, with 67 relations)
are skipped and reported as one warning with the count, or raised with ``strict=True``.

Dutch labels: ``dutch`` names a folder with ``occupations_nl.csv`` (same layout as the
English file) and/or a ``skillsHierarchy_nl*.csv``; their labels are merged by URI.
"""

from __future__ import annotations

import dataclasses
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from ..models import Concept, Occupation
from ..problems import Problem, Severity, TaxonomyError
from .build import TaxonomyBuilder, Where
from .core import Taxonomy
from .tables import open_text, read_table, unreadable

FILES = {
    "skills": "skills_en.csv",
    "groups": "skillGroups_en.csv",
    "hierarchy": "skillsHierarchy_en.csv",
    "occupations": "occupations_en.csv",
    "broader": "broaderRelationsSkillPillar.csv",
    "skill_relations": "skillSkillRelations.csv",
    "occupation_relations": "occupationSkillRelations.csv",
}
REQUIRED = ("skills", "occupations", "occupation_relations")
DEFAULT_RELATED_STRENGTH = {"essential": 0.5, "optional": 0.35}


def _locate(folder: Path) -> tuple[dict[str, tuple[Path, str | None]], list[Problem]]:
    """Logical file name -> (path, zip member or None), CSV files first, then zips.

    Only the entries directly in ``folder`` are looked at, never its subfolders: a folder
    of projects must not be searched (nor ``/``), and files from two downloads must not be
    mixed. Also returns a warning for each entry that was skipped although it could have
    held an ESCO file: a dangling symbolic link, a zip archive that is not valid.
    """
    found: dict[str, tuple[Path, str | None]] = {}
    skipped: list[Problem] = []
    wanted = {v.lower(): k for k, v in FILES.items()}
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        return found, [Problem(f"cannot list the folder: {exc.strerror or exc}", where=str(folder), severity="warning")]
    for path in entries:
        key = wanted.get(path.name.lower())
        if key and key not in found and path.suffix.lower() == ".csv":
            why = unreadable(path)
            if why:
                skipped.append(Problem(f"{why}; skipped", where=str(path), severity="warning"))
            else:
                found[key] = (path, None)
    for path in entries:
        if path.suffix.lower() != ".zip":
            continue
        why = unreadable(path)
        if why:
            skipped.append(Problem(f"{why}; skipped", where=str(path), severity="warning"))
            continue
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            skipped.append(Problem(f"not a valid zip archive ({exc}); skipped", where=str(path), severity="warning"))
            continue
        for name in names:
            key = wanted.get(Path(name).name.lower())
            if key and key not in found:
                found[key] = (path, name)
    return found, skipped


def is_esco(path: Path) -> bool:
    return path.is_dir() and all(k in _locate(path)[0] for k in REQUIRED)


def skipped_entries(folder: Path) -> list[Problem]:
    """Entries of ``folder`` that could have held ESCO files but cannot be read (as errors,
    to explain a file that is not found)."""
    return [dataclasses.replace(p, severity="error") for p in _locate(folder)[1]] if folder.is_dir() else []


def source_files(folder: Path, dutch: Path | None = None) -> list[Path]:
    files = sorted({p for p, _ in _locate(folder)[0].values()})
    if dutch is not None:
        files += sorted(p for p in Path(dutch).glob("*.csv") if p.is_file())
    return files


def _labels(cell: str) -> tuple[str, ...]:
    out: dict[str, None] = {}
    for part in cell.splitlines():
        part = part.strip()
        if part:
            out[part] = None
    return tuple(out)


def load_esco(folder: str | Path, *, dutch: str | Path | None = None, strict: bool = False,
              optional_as: str = "somewhat", related_strength: dict[str, float] | None = None) -> Taxonomy:
    """Load ESCO v1.x CSV from ``folder`` (files or the download's zips)."""
    folder = Path(folder)
    files, skipped = _locate(folder)
    missing = [FILES[k] for k in REQUIRED if k not in files]
    if missing:
        # the skipped entries may be why: name them too, as errors
        raise TaxonomyError([*(Problem(f"ESCO file {m} not found (as a file or inside a zip directly in this folder)",
                                       where=str(folder)) for m in missing),
                             *(dataclasses.replace(p, severity="error") for p in skipped)])
    if optional_as not in ("essential", "important", "somewhat"):
        raise TaxonomyError([Problem("expected 'essential', 'important' or 'somewhat'", field="optional_as",
                                     value=optional_as)])
    strengths = {**DEFAULT_RELATED_STRENGTH, **(related_strength or {})}
    b = TaxonomyBuilder(name="ESCO", source=str(folder))
    b.problems.extend(skipped)

    def rows(key: str, required: tuple[str, ...]) -> Iterator[tuple[Where, dict[str, str]]]:
        if key not in files:
            return
        path, member = files[key]
        with open_text(path, member) as stream:
            # ESCO writes the hierarchy's rows without their empty cells at the end
            for line, row in read_table(stream, FILES[key], required, ragged=key == "hierarchy"):
                yield Where(FILES[key], line), row

    nl_occupations: dict[str, tuple[str, tuple[str, ...]]] = {}
    nl_groups: dict[str, str] = {}
    if dutch is not None:
        dutch = Path(dutch)
        if not dutch.is_dir():
            raise TaxonomyError([Problem("expected a folder with occupations_nl.csv and/or skillsHierarchy_nl*.csv",
                                         where=str(dutch))])
        for path in sorted(dutch.glob("*.csv")):
            why = unreadable(path)
            if why:
                b.problems.append(Problem(f"{why}; skipped", where=str(path), severity="warning"))
                continue
            with open_text(path) as stream:
                if path.name.startswith("occupations_nl"):
                    for _, row in read_table(stream, path.name, ("conceptUri", "preferredLabel", "altLabels")):
                        nl_occupations[row["conceptUri"]] = (row["preferredLabel"], _labels(row["altLabels"]))
                elif path.name.startswith("skillsHierarchy_nl"):
                    for _, row in read_table(stream, path.name, ragged=True):
                        for level in range(4):
                            uri = row.get(f"Level {level} URI", "")
                            if uri and row.get(f"Level {level} preferred term"):
                                nl_groups[uri] = row[f"Level {level} preferred term"]

    broader: dict[str, list[str]] = {}
    for _, row in rows("broader", ("conceptUri", "broaderUri")):
        broader.setdefault(row["conceptUri"], []).append(row["broaderUri"])

    # skill groups: from skillGroups_en.csv, then any the hierarchy file adds
    group_level: dict[str, int] = {}
    group_label: dict[str, str] = {}
    for _, row in rows("hierarchy", ()):
        for level in range(4):
            uri = row.get(f"Level {level} URI", "")
            if uri:
                group_level.setdefault(uri, level)
                group_label.setdefault(uri, row.get(f"Level {level} preferred term", ""))
    seen_groups: set[str] = set()
    for where, row in rows("groups", ("conceptUri", "preferredLabel")):
        uri = row["conceptUri"]
        seen_groups.add(uri)
        rec = b.record(Concept, {"id": uri, "kind": "group", "pref_label_en": row["preferredLabel"],
                                 "pref_label_nl": nl_groups.get(uri, ""), "alt_labels_en": _labels(row.get("altLabels", "")),
                                 "level": group_level.get(uri), "broader": tuple(broader.get(uri, ())), "definition": row.get("description", ""),
                                 "origin": "esco"}, where)
        if rec:
            b.add_concept(rec, where)
    for uri, label in group_label.items():
        if uri not in seen_groups:
            where = Where(FILES["hierarchy"], record=uri)
            rec = b.record(Concept, {"id": uri, "kind": "group", "pref_label_en": label, "level": group_level[uri],
                                     "pref_label_nl": nl_groups.get(uri, ""), "broader": tuple(broader.get(uri, ())),
                                     "origin": "esco"}, where)
            if rec:
                b.add_concept(rec, where)

    for where, row in rows("skills", ("conceptUri", "skillType", "preferredLabel", "altLabels")):
        uri = row["conceptUri"]
        rec = b.record(Concept, {"id": uri, "kind": "knowledge" if row["skillType"] == "knowledge" else "capability",
                                 "pref_label_en": row["preferredLabel"], "alt_labels_en": _labels(row["altLabels"]),
                                 "broader": tuple(broader.get(uri, ())), "definition": row.get("description", ""),
                                 "origin": "esco"}, where)
        if rec:
            b.add_concept(rec, where)
    # rows that were rejected (and reported) still count as rows: their relations are not "dangling"
    skill_ids = {c.id for c, _ in b.concepts if c.kind != "group"} | b.rejected.get("concept", set())

    for where, row in rows("skill_relations", ("originalSkillUri", "relationType", "relatedSkillUri")):
        strength = strengths.get(row["relationType"])
        if strength is None:
            b.problem(f"expected relationType in {sorted(strengths)}", where, field="relationType",
                      value=row["relationType"])
            continue
        b.add_related(row["originalSkillUri"], row["relatedSkillUri"], strength, where)

    occupation_ids: set[str] = set()
    for where, row in rows("occupations", ("conceptUri", "iscoGroup", "preferredLabel", "altLabels")):
        uri = row["conceptUri"]
        nl_pref, nl_alt = nl_occupations.get(uri, ("", ()))
        rec = b.record(Occupation, {"id": uri, "pref_label_en": row["preferredLabel"], "alt_labels_en": _labels(row["altLabels"]),
                                    "pref_label_nl": nl_pref, "alt_labels_nl": nl_alt, "isco": row["iscoGroup"] or None,
                                    "description": row.get("description", "")}, where)
        occupation_ids.add(uri)
        if rec:
            b.add_occupation(rec, where)

    dangling_occ: Counter[str] = Counter()
    dangling_skill: Counter[str] = Counter()
    first_line: dict[str, int] = {}  # dangling URI -> line of its first relation
    importance = {"essential": "essential", "optional": optional_as}
    for where, row in rows("occupation_relations", ("occupationUri", "relationType", "skillUri")):
        occ, skill = row["occupationUri"], row["skillUri"]
        if occ not in occupation_ids:
            dangling_occ[occ] += 1
            first_line.setdefault(occ, where.line or 0)
            continue
        if skill not in skill_ids:
            dangling_skill[skill] += 1
            first_line.setdefault(skill, where.line or 0)
            continue
        imp = importance.get(row["relationType"])
        if imp is None:
            b.problem("expected relationType 'essential' or 'optional'", where, field="relationType",
                      value=row["relationType"])
            continue
        b.add_requirement(occ, skill, imp, 3.0, where)

    severity: Severity = "error" if strict else "warning"
    rel_file, what = FILES["occupation_relations"], {"occupation": (dangling_occ, FILES["occupations"]),
                                                     "skill": (dangling_skill, FILES["skills"])}
    for kind, (counter, table) in what.items():
        if counter:
            uris = ", ".join(f"{uri} ({counter[uri]} relation(s) from line {first_line[uri]})" for uri in sorted(counter))
            b.problems.append(Problem(
                f"{len(counter)} {kind} URI(s) in the relations have no row in {table}; their "
                f"{sum(counter.values())} relation(s) were skipped: {uris}",
                where=rel_file, line=min(first_line[uri] for uri in counter), field=f"{kind}Uri",
                value=sorted(counter), severity=severity))
    return b.build(strict=strict)
