"""Loader for skillmatch's own taxonomy format (the folder ``taxonomy/``).

The format is documented in ``taxonomy/README.md``: a ``manifest.json`` and one CSV file
per table. Every record keeps its file and line so that problems point at them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..models import Concept, DevelopmentPath, ModuleSkill, Occupation, PathStep, Region, Sector, TrainingModule
from ..problems import Problem, TaxonomyError
from .build import TaxonomyBuilder, Where
from .core import Taxonomy
from .tables import open_text, read_table, split_multi, unreadable

FORMAT = "skillmatch-taxonomy"
FORMAT_VERSION = 1

#: table -> required columns (optional columns may be absent)
TABLES: dict[str, tuple[str, ...]] = {
    "sectors.csv": ("id", "label_nl"),
    "capabilities.csv": ("id", "level", "broader", "pref_label_nl"),
    "knowledge_areas.csv": ("id", "pref_label_nl"),
    "related.csv": ("source", "target", "strength"),
    "occupations.csv": ("id", "pref_label_nl", "isco", "sector"),
    "requirements.csv": ("occupation", "concept", "importance", "level"),
    "modules.csv": ("id", "title_nl", "type", "nlqf", "hours", "cost_eur"),
    "module_skills.csv": ("module", "concept", "level"),
    "paths.csv": ("id", "sector", "kind", "name_nl"),
    "path_steps.csv": ("path", "step", "to_occupation"),
    "regions.csv": ("id", "name", "lat", "lon"),
}
#: the tables a taxonomy cannot do without; the others may be absent
REQUIRED_TABLES = ("capabilities.csv", "occupations.csv", "requirements.csv")


def is_native(path: Path) -> bool:
    """A folder whose manifest.json names this format, or is broken (so that loading says what is wrong)."""
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        content = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return True
    return not isinstance(content, dict) or content.get("format") == FORMAT


def source_files(folder: Path) -> list[Path]:
    return [folder / "manifest.json", *(folder / t for t in TABLES if (folder / t).exists())]


def _present(row: dict[str, str], **renames: str) -> dict[str, Any]:
    """The non-empty cells of a row, with columns renamed to model fields (which loaders then
    set to tuples, lists and records where the model wants them)."""
    return {renames.get(k, k): v for k, v in row.items() if v != ""}


def _has_label(b: TaxonomyBuilder, row: dict[str, str], where: Where, kind: str, column: str) -> bool:
    """A concept or occupation row needs a preferred label in the taxonomy's language (``column``)."""
    if row.get(column):
        return True
    b.problem(f"the preferred label is empty; every {kind} needs {column} (the manifest's language)", where,
              field=column, value=row.get(column, ""), record=row.get("id") or None)
    if row.get("id"):
        b.reject(kind, row["id"])
    return False


def load_native(folder: str | Path, *, strict: bool = False) -> Taxonomy:
    """Load a taxonomy in skillmatch's own format from ``folder``.

    Raises
    ------
    TaxonomyError
        Listing every problem found, each with file, line, field and value.
    """
    folder = Path(folder)
    manifest_file = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TaxonomyError([Problem(f"cannot read the manifest: {exc}", where=str(manifest_file))]) from None
    if not isinstance(manifest, dict):
        raise TaxonomyError([Problem(f"expected a JSON object with format {FORMAT!r} and format_version "
                                     f"{FORMAT_VERSION}, found a JSON {type(manifest).__name__}",
                                     where=str(manifest_file))])
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise TaxonomyError([Problem(
            f"expected format {FORMAT!r} version {FORMAT_VERSION}, found {manifest.get('format')!r} "
            f"version {manifest.get('format_version')!r}", where=str(manifest_file))])
    if manifest.get("language", "nl") not in ("nl", "en"):  # it names the label column every record must fill
        raise TaxonomyError([Problem("expected 'nl' or 'en'", where=str(manifest_file), field="language",
                                     value=manifest.get("language"))])
    missing = [(t, unreadable(folder / t)) for t in REQUIRED_TABLES if not (folder / t).is_file()]
    if missing:
        raise TaxonomyError([Problem(f"required table {t} is missing{'' if why == 'does not exist' else f': it {why}'}",
                                     where=str(folder / t)) for t, why in missing])

    b = TaxonomyBuilder(name=manifest.get("name") or folder.name, source=str(folder))
    # the preferred label every concept and occupation must have: the one in the manifest's language
    label_column = "pref_label_en" if manifest.get("language") == "en" else "pref_label_nl"

    def rows(table: str) -> Iterator[tuple[Where, dict[str, str]]]:
        path = folder / table
        why = unreadable(path)
        if why == "does not exist":
            return  # an optional table
        if why:
            b.problem(f"{why}; the table was skipped", Where(table), severity="warning")
            return
        with open_text(path) as stream:
            for line, row in read_table(stream, table, TABLES[table]):
                yield Where(table, line), row

    for where, row in rows("sectors.csv"):
        rec = b.record(Sector, _present(row), where)
        if rec:
            b.add_sector(rec, where)

    for where, row in rows("capabilities.csv"):
        if row["level"] not in ("", "1", "2", "3"):
            b.problem("expected level 1, 2 or 3 (3 for the capabilities themselves, 1 and 2 for their groups)",
                      where, field="level", value=row["level"], record=row["id"] or None)
            b.reject("concept", row["id"])
            continue
        if not _has_label(b, row, where, "concept", label_column):
            continue
        data = _present(row, definition_nl="definition")
        data["broader"] = split_multi(row.get("broader", ""))
        data["alt_labels_nl"] = split_multi(row.get("alt_labels_nl", ""))
        # levels 1 and 2 group the level-3 capabilities; only level 3 is held or required
        data["kind"] = "capability" if row.get("level") in ("", "3") else "group"
        rec = b.record(Concept, data, where, columns={"definition": "definition_nl"})
        if rec:
            b.add_concept(rec, where)

    for where, row in rows("knowledge_areas.csv"):
        if not _has_label(b, row, where, "concept", label_column):
            continue
        data = _present(row, definition_nl="definition")
        data["broader"] = split_multi(row.get("broader", ""))
        data["alt_labels_nl"] = split_multi(row.get("alt_labels_nl", ""))
        data["kind"] = "knowledge"
        rec = b.record(Concept, data, where, columns={"definition": "definition_nl"})
        if rec:
            b.add_concept(rec, where)

    for where, row in rows("related.csv"):
        try:
            strength = float(row["strength"])
        except ValueError:
            b.problem("expected a number in (0, 1]", where, field="strength", value=row["strength"])
            continue
        b.add_related(row["source"], row["target"], strength, where)

    for where, row in rows("occupations.csv"):
        if not _has_label(b, row, where, "occupation", label_column):
            continue
        data = _present(row, description_nl="description")
        data["alt_labels_nl"] = split_multi(row.get("alt_labels_nl", ""))
        rec = b.record(Occupation, data, where, columns={"description": "description_nl"})
        if rec:
            b.add_occupation(rec, where)

    for where, row in rows("requirements.csv"):
        try:
            level = float(row["level"]) if row["level"] else 3.0
        except ValueError:
            b.problem("expected a level from 1 to 5", where, field="level", value=row["level"])
            continue
        b.add_requirement(row["occupation"], row["concept"], row["importance"], level, where)

    module_skills: dict[str, list[tuple[dict, Where]]] = defaultdict(list)
    skill_rows: set[str] = set()  # modules with rows in module_skills.csv, valid or not
    for where, row in rows("module_skills.csv"):
        skill_rows.add(row["module"])
        skill = b.record(ModuleSkill, {"skill": row["concept"], "level": row["level"]}, where,
                         record=row["module"], columns={"skill": "concept"})
        if skill:
            module_skills[row["module"]].append((skill, where))
    module_ids: set[str] = set()
    for where, row in rows("modules.csv"):
        data = _present(row, title_nl="title")
        for col in ("delivery", "prerequisites", "funding"):
            data[col] = split_multi(row.get(col, ""))
        regions = split_multi(row.get("regions", ""))
        data["regions"] = () if regions == ("*",) else regions
        skills = module_skills.get(row["id"], [])
        data["skills"] = [s for s, _ in skills]
        module_ids.add(row["id"])
        if not skills:
            if row["id"] not in skill_rows:  # else its rows were rejected and reported already
                b.problem("a module must teach at least one skill; module_skills.csv has no rows for it", where,
                          field="id", value=row["id"], record=row["id"] or None)
            b.reject("module", row["id"])
            continue
        rec = b.record(TrainingModule, data, where, columns={"title": "title_nl"})
        if rec:
            b.add_module(rec, where, [w for _, w in skills])
    for module, skills in module_skills.items():
        if module not in module_ids:
            for _, where in skills:
                b.problem(f"module {module!r} is not in modules.csv", where, field="module", value=module)

    steps: dict[str, list[tuple[dict, Where]]] = defaultdict(list)
    step_rows: set[str] = set()  # paths with rows in path_steps.csv, valid or not
    for where, row in rows("path_steps.csv"):
        step_rows.add(row["path"])
        data = _present(row)
        data.pop("path", None)
        data["modules"] = split_multi(row.get("modules", ""))
        step = b.record(PathStep, data, where, record=row["path"])
        if step:
            steps[row["path"]].append((step, where))
    path_ids: set[str] = set()
    for where, row in rows("paths.csv"):
        data = _present(row, name_nl="name", description_nl="description")
        path_steps = steps.get(row["id"], [])
        data["steps"] = [s for s, _ in path_steps]
        path_ids.add(row["id"])
        if not path_steps:
            if row["id"] not in step_rows:  # else its rows were rejected and reported already
                b.problem("a path needs at least one step; path_steps.csv has no rows for it", where,
                          field="id", value=row["id"], record=row["id"] or None)
            b.reject("path", row["id"])
            continue
        rec = b.record(DevelopmentPath, data, where, columns={"name": "name_nl", "description": "description_nl"})
        if rec:
            b.add_path(rec, where, [w for _, w in path_steps])
    for path, path_steps in steps.items():
        if path not in path_ids:
            for _, where in path_steps:
                b.problem(f"path {path!r} is not in paths.csv", where, field="path", value=path)

    for where, row in rows("regions.csv"):
        data = _present(row)
        data["location"] = {"lat": data.pop("lat", None), "lon": data.pop("lon", None)}
        rec = b.record(Region, data, where, columns={"location.lat": "lat", "location.lon": "lon"})
        if rec:
            b.add_region(rec, where)

    return b.build(strict=strict)
