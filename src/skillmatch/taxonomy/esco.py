"""Loader for ESCO v1.x CSV downloads (English), with optional Dutch labels.

Reads a folder holding either the extracted CSV files or the two zips of the download
(``classification-en-csv.zip`` and ``relations-csv.zip``):

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

import zipfile
from collections import Counter
from pathlib import Path
from typing import Iterator

from ..models import Concept, Occupation
from .build import TaxonomyBuilder, Where
from .core import Taxonomy
from .tables import open_text, read_table
from ..problems import Problem, TaxonomyError

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


def _locate(folder: Path) -> dict[str, tuple[Path, str | None]]:
    """Logical file name -> (path, zip member or None), searching files first, then zips."""
    found: dict[str, tuple[Path, str | None]] = {}
    wanted = {v.lower(): k for k, v in FILES.items()}
    for path in sorted(folder.rglob("*.csv")):
        key = wanted.get(path.name.lower())
        if key and key not in found:
            found[key] = (path, None)
    for path in sorted(folder.rglob("*.zip")):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except zipfile.BadZipFile:
            continue
        for name in names:
            key = wanted.get(Path(name).name.lower())
            if key and key not in found:
                found[key] = (path, name)
    return found


def is_esco(path: Path) -> bool:
    return path.is_dir() and all(k in _locate(path) for k in REQUIRED)


def source_files(folder: Path, dutch: Path | None = None) -> list[Path]:
    files = sorted({p for p, _ in _locate(folder).values()})
    if dutch is not None:
        files += sorted(Path(dutch).glob("*.csv"))
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
    files = _locate(folder)
    missing = [FILES[k] for k in REQUIRED if k not in files]
    if missing:
        raise TaxonomyError([Problem(f"ESCO file {m} not found (as a file or inside a zip)", where=str(folder))
                             for m in missing])
    if optional_as not in ("essential", "important", "somewhat"):
        raise TaxonomyError([Problem("expected 'essential', 'important' or 'somewhat'", field="optional_as",
                                     value=optional_as)])
    strengths = {**DEFAULT_RELATED_STRENGTH, **(related_strength or {})}
    b = TaxonomyBuilder(name="ESCO", source=str(folder))

    def rows(key: str, required: tuple[str, ...]) -> Iterator[tuple[Where, dict[str, str]]]:
        if key not in files:
            return
        path, member = files[key]
        with open_text(path, member) as stream:
            for line, row in read_table(stream, FILES[key], required):
                yield Where(FILES[key], line), row

    nl_occupations: dict[str, tuple[str, tuple[str, ...]]] = {}
    nl_groups: dict[str, str] = {}
    if dutch is not None:
        dutch = Path(dutch)
        if not dutch.is_dir():
            raise TaxonomyError([Problem("expected a folder with occupations_nl.csv and/or skillsHierarchy_nl*.csv",
                                         where=str(dutch))])
        for path in sorted(dutch.glob("*.csv")):
            with open_text(path) as stream:
                if path.name.startswith("occupations_nl"):
                    for _, row in read_table(stream, path.name, ("conceptUri", "preferredLabel", "altLabels")):
                        nl_occupations[row["conceptUri"]] = (row["preferredLabel"], _labels(row["altLabels"]))
                elif path.name.startswith("skillsHierarchy_nl"):
                    for _, row in read_table(stream, path.name):
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
    first_line: dict[str, int | None] = {}  # dangling URI -> line of its first relation
    importance = {"essential": "essential", "optional": optional_as}
    for where, row in rows("occupation_relations", ("occupationUri", "relationType", "skillUri")):
        occ, skill = row["occupationUri"], row["skillUri"]
        if occ not in occupation_ids:
            dangling_occ[occ] += 1
            first_line.setdefault(occ, where.line)
            continue
        if skill not in skill_ids:
            dangling_skill[skill] += 1
            first_line.setdefault(skill, where.line)
            continue
        imp = importance.get(row["relationType"])
        if imp is None:
            b.problem("expected relationType 'essential' or 'optional'", where, field="relationType",
                      value=row["relationType"])
            continue
        b.add_requirement(occ, skill, imp, 3.0, where)

    severity = "error" if strict else "warning"
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
