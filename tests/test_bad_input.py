"""The bad-input catalogue (issue 10, deliverable 4): what a user gets for each bad input, at every
public entry point, as one table of cases and one test that runs them all.

Each :class:`Case` names the entry point, the bad input in a few words, the verdict kind
(:data:`VERDICTS`) and a substring the message must contain, one that names the file, line,
record, field or parameter. :func:`test_bad_input` runs every case and checks exactly that;
``docs/bad-input.md`` is the same table in words, generated from :data:`CASES` by
:func:`render_doc` (``python tests/test_bad_input.py --write-docs``), and
:func:`test_the_doc_is_the_catalogue` fails when it drifts.

No verdict here is "traceback", "crash" or "silently accepted": every case is a clear error
naming where the input is wrong, a reported skip (the record in the errors file with its
reason, counted in the summary), a reported warning, or a documented outcome.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from tables import TaxonomyCopy, own_cache

import skillmatch
from skillmatch import Jobseeker, LabelIndex, Matcher, Requirement, SkillClaim, Vacancy
from skillmatch.problems import InputError, TaxonomyError

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "bad-input.md"
REGENERATE = "python tests/test_bad_input.py --write-docs"

#: What the user gets, by verdict kind: the "what the user gets" column of the doc.
VERDICTS: dict[str, str] = {
    "InputError": "`InputError`",
    "TaxonomyError": "`TaxonomyError`",
    "ValidationError": "pydantic `ValidationError`",
    "skip": "reported skip (errors file + count)",
    "warning": "reported warning (errors file + count)",
    "rebuilt": "cache rebuilt, warning in `taxonomy.problems`",
    "capped": "documented cap at the number of candidates",
    "cli": "CLI: one line on stderr, exit 1",
    "cli-report": "CLI: every problem on stdout, exit 1",
    "cli-usage": "CLI usage error, exit 2",
}


@dataclass(frozen=True)
class Case:
    """One bad input: where it enters, what it is, what the user gets, and how to make it."""

    id: str
    entry: str
    bad: str
    kind: str
    match: str  # a substring of the message (or of the errors-file line) naming the place
    run: Callable[[Env], Any]
    absent: str = ""  # a substring the message must not hold


@dataclass(frozen=True)
class Cli:
    """A command line to run in-process (``skillmatch.cli.main``), or as a real process."""

    argv: list[str]
    process: bool = False


@dataclass(frozen=True)
class Reported:
    """What a reader or a batch run did with a file: its errors file and the summary's counts."""

    errors: Path
    rejected: int
    warnings: int
    kept: tuple[str, ...] = ()


# --- the environment the cases share (built once for the module) -----------------------------------------


class Tables(TaxonomyCopy):
    """A copy of the shipped ``taxonomy/`` folder, edited cell by cell or whole files, that loads itself."""

    def append_copy(self, table: str, line: int) -> Tables:
        rows = self.rows(table)
        return self.write(table, [*rows, list(rows[line - 1])])

    def text(self, table: str) -> str:
        return (self.path / table).read_text(encoding="utf-8")

    def put(self, table: str, content: str | bytes) -> Tables:
        target = self.path / table
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return self

    def load(self, **options: Any) -> Any:
        return skillmatch.load_taxonomy(self.path, cache=False, **options)


E = "http://data.europa.eu/esco/"
ESCO = {
    "skills_en.csv": "conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,description\n"
                     f"KnowledgeSkillCompetence,{E}skill/care,skill/competence,sector-specific,care for patients,"
                     '"look after patients\nnurse patients",Care.\n'
                     f"KnowledgeSkillCompetence,{E}skill/anatomy,knowledge,sector-specific,anatomy,,Body.\n",
    "occupations_en.csv": "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,description,code\n"
                          f"Occupation,{E}occupation/nurse,2221,nurse,,Nurses care.,2221.1\n",
    "occupationSkillRelations.csv": "occupationUri,relationType,skillType,skillUri\n"
                                    f"{E}occupation/nurse,essential,skill/competence,{E}skill/care\n"
                                    f"{E}occupation/nurse,optional,knowledge,{E}skill/anatomy\n",
    "skillSkillRelations.csv": "originalSkillUri,originalSkillType,relationType,relatedSkillType,relatedSkillUri\n"
                               f"{E}skill/care,skill/competence,essential,knowledge,{E}skill/anatomy\n",
}


class Env:
    """What the cases share: the shipped taxonomy, fitted matchers, records, and fresh folders."""

    def __init__(self, factory: pytest.TempPathFactory):
        self.factory = factory
        self.tx = skillmatch.load_taxonomy()
        tx = self.tx
        self.skill = next(c for c in tx.concepts.ids if "humancapability" in c)
        sectors = tx.occupation_sector
        self.care = [o for i, o in enumerate(tx.occupations.ids) if sectors[i] == "zorg-welzijn"]
        self.other = [o for i, o in enumerate(tx.occupations.ids) if sectors[i] in ("logistiek", "detailhandel")]
        self.me = Jobseeker(id="j1", occupation=self.other[0], region="rijnmond",
                            skills=[SkillClaim(skill=self.skill, proficiency=3)])
        self.vacancies = [Vacancy(id=f"v{i}", occupation=o, region="rijnmond") for i, o in enumerate(self.care[:4])]
        self.occupations = Matcher(tx).fit("occupations")
        self.to_vacancies = Matcher(tx).fit(self.vacancies)

    def folder(self) -> Path:
        return self.factory.mktemp("case")

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.folder() / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    def copy(self) -> Tables:
        target = self.folder() / "taxonomy"
        shutil.copytree(REPO / "taxonomy", target)
        return Tables(target)

    def esco(self, **changes: str | bytes) -> Path:
        folder = self.folder() / "esco"
        folder.mkdir()
        for name, content in {**ESCO, **changes}.items():
            (folder / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return folder

    def esco_zips(self) -> Path:
        folder = self.folder() / "esco-zips"
        folder.mkdir()
        for archive, names in (("classification-en-csv.zip", ("skills_en.csv", "occupations_en.csv")),
                               ("relations-csv.zip", ("occupationSkillRelations.csv", "skillSkillRelations.csv"))):
            with zipfile.ZipFile(folder / archive, "w", zipfile.ZIP_DEFLATED) as z:
                for name in names:
                    z.writestr(name, ESCO[name])
        return folder

    @cached_property
    def tx2(self) -> Any:
        """The shipped taxonomy with one requirement level changed: another version, another fingerprint."""
        return self.copy().set("requirements.csv", 2, "level", "4").load()

    @cached_property
    def catalogue(self) -> Any:
        from skillmatch.recommend import Catalogue

        return Catalogue.from_taxonomy(self.tx)

    @cached_property
    def graph(self) -> Any:
        from skillmatch.recommend import RouteGraph

        return RouteGraph.build(self.tx, catalogue=self.catalogue)

    @cached_property
    def labels(self) -> LabelIndex:
        return LabelIndex(self.tx)

    def jsonl(self, records: list[dict[str, Any]], name: str = "jobseekers.jsonl") -> Path:
        return self.file(name, "".join(json.dumps(r) + "\n" for r in records))

    @cached_property
    def jobseekers_file(self) -> Path:
        return self.jsonl([{"id": "j1", "region": "rijnmond", "occupation": self.other[0],
                            "skills": [{"skill": self.skill, "proficiency": 3}]}])

    @cached_property
    def vacancies_file(self) -> Path:
        return self.jsonl([v.model_dump(mode="json", exclude_defaults=True) for v in self.vacancies],
                          "vacancies.jsonl")

    @cached_property
    def results_file(self) -> Path:
        return self.file("results.csv", "query,rank,candidate,score\nj1,1,v0,0.5\n")

    @cached_property
    def empty_file(self) -> Path:
        return self.file("empty.jsonl", "")


def read(env: Env, name: str, content: str | bytes, *, vacancies: bool = False, taxonomy: bool = False,
         **options: Any) -> Reported:
    """A jobseekers (or vacancies) file read with an errors file, as a batch run reads it."""
    from skillmatch.batch import ErrorWriter, read_jobseekers, read_vacancies

    path = env.file(name, content)
    errors = path.with_name("errors.jsonl")
    reader_of = read_vacancies if vacancies else read_jobseekers
    with ErrorWriter(errors) as sink:
        reader = reader_of(path, errors=sink, taxonomy=env.tx if taxonomy else None, **options)
        records = reader.read_all()
    return Reported(errors, reader.report.rejected, reader.report.n_warnings, tuple(r.id for r in records))


def run(env: Env, jobseekers: list[dict[str, Any]] | Path, vacancies: Path | None = None,
        **options: Any) -> Reported:
    """A batch run (``run_match``) over a jobseekers file, with an errors file."""
    from skillmatch.batch import run_match

    path = jobseekers if isinstance(jobseekers, Path) else env.jsonl(jobseekers)
    out = env.folder() / "matches.csv"
    options = {"progress": False, **options}
    summary = run_match(path, vacancies or env.vacancies_file, out, taxonomy=env.tx,
                        errors_path=out.with_name("e.jsonl"), **options)
    assert summary.problems >= 1, "the summary counts the problems in the errors file"
    return Reported(out.with_name("e.jsonl"), summary.queries.rejected + summary.candidates.rejected,
                    summary.queries.n_warnings + summary.candidates.n_warnings)


def person(env: Env, **fields: Any) -> dict[str, Any]:
    return {"id": "j1", "skills": [{"skill": env.skill, "proficiency": 3}], **fields}


def with_key(records: list[dict[str, Any]], key: str, value: Any) -> list[dict[str, Any]]:
    return [{**r, key: value} for r in records]


def tamper_cache(env: Env, damage: Callable[[Path], None]) -> Any:
    """Load a copy once (filling a cache of its own), damage the entry, and load again."""
    tables = env.copy()
    with own_cache(env.folder()) as cache:
        skillmatch.load_taxonomy(tables.path)
        (entry,) = [p for p in (cache / "taxonomy").iterdir() if p.is_dir()]
        damage(entry)
        return skillmatch.load_taxonomy(tables.path)


def swap_two_ids(meta: Path) -> None:
    data = json.loads(meta.read_text(encoding="utf-8"))
    ids = data["concepts"]["ids"]
    ids[0], ids[1] = ids[1], ids[0]
    meta.write_text(json.dumps(data), encoding="utf-8")


def compiled(env: Env, damage: Callable[[Path], None]) -> Any:
    folder = env.tx.save(env.folder() / "compiled")
    damage(folder)
    return skillmatch.load_taxonomy(folder)


def plan(env: Env, **options: Any) -> Any:
    from skillmatch.recommend import plan_for

    target = options.pop("target", env.care[0])
    who = options.pop("jobseeker", env.me)
    return plan_for(env.tx, who, target, catalogue=options.pop("catalogue", env.catalogue), **options)


def routes(env: Env, start: Any = None, **options: Any) -> Any:
    from skillmatch.recommend import find_routes

    return find_routes(options.pop("graph", env.graph), env.me if start is None else start, **options)


def moves(env: Env, worker: Any = None, **options: Any) -> Any:
    from skillmatch.recommend import transitions

    return transitions(env.graph, env.me if worker is None else worker, **options)


def unlocks(env: Env, **options: Any) -> Any:
    from skillmatch.recommend import unlocks_for

    matcher = options.pop("matcher", env.to_vacancies)
    return unlocks_for(matcher, options.pop("jobseeker", env.me), env.catalogue, **options)


I = np.array([[0, 1], [1, -1]], np.int32)  # noqa: E741  (indices of a small ranking: 2 queries, 2 candidates)
S = np.array([[0.9, 0.5], [0.7, -np.inf]], np.float32)
Q, C = ["j1", "j2"], ["v1", "v2"]


def audit(**options: Any) -> Any:
    from skillmatch.audit import audit as run_audit

    args = {"indices": I, "scores": S, "query_ids": Q, "candidate_ids": C, **options}
    return run_audit(**args)


def groups(env: Env, content: str | bytes) -> Any:
    from skillmatch.audit import read_groups

    return read_groups(env.file("groups.csv", content))


def allocate(**options: Any) -> Any:
    from skillmatch.batch import allocate_caseload

    args = {"indices": I, "scores": S, "capacities": np.array([1, 1]), **options}
    return allocate_caseload(args.pop("indices"), args.pop("scores"), args.pop("capacities"), **args)


def results(env: Env, content: str) -> Reported:
    from skillmatch.batch import ErrorWriter, read_results

    path = env.file("results.csv", content)
    errors = path.with_name("errors.jsonl")
    with ErrorWriter(errors) as sink:
        reader = read_results(path, errors=sink)
        rows = [r for chunk in reader for r in chunk.records]
    return Reported(errors, reader.report.rejected, reader.report.n_warnings, tuple(r.query for r in rows))


def cli(*argv: str | Path) -> Cli:
    return Cli([str(a) for a in argv])


def match_cli(env: Env, *extra: str | Path, jobseekers: Path | None = None, vacancies: Path | None = None,
              out: str | Path | None = None) -> Cli:
    return cli("match", "--jobseekers", jobseekers or env.jobseekers_file, "--vacancies",
               vacancies or env.vacancies_file,
               "--out", out or env.folder() / "m.csv", "--progress", "none", *extra)


def demo_cli(env: Env, *extra: str | Path) -> Cli:
    return cli("demo", "--jobseekers", "5", "--vacancies", "5", *extra)


def user_folder(env: Env) -> Path:
    folder = env.folder() / "project"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n", encoding="utf-8")
    return folder


def cut(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def projects(env: Env) -> Path:
    """A folder of projects, with a damaged zip three levels down that the caller never named."""
    root = env.folder() / "projects"
    deep = root / "a" / "b" / "c"
    deep.mkdir(parents=True)
    (deep / "classification-en-csv.zip").write_bytes(b"PK\x03\x04 damaged")
    return root


def matcher(env: Env, **params: Any) -> Any:
    return Matcher(env.tx, **params).fit("occupations")


CASES: list[Case] = []


def case(id: str, entry: str, bad: str, kind: str, match: str, run: Callable[[Env], Any], absent: str = "") -> None:
    CASES.append(Case(id, entry, bad, kind, match, run, absent))


# === load_taxonomy: paths and options ===================================================================

LT = "load_taxonomy (path, options)"
case("tx-root", LT, "`load_taxonomy('/')`", "TaxonomyError", "/: not a taxonomy skillmatch can read",
     lambda env: skillmatch.load_taxonomy("/"))
case("tx-missing-path", LT, "a path that does not exist", "TaxonomyError", "nope: no such file or folder",
     lambda env: skillmatch.load_taxonomy(env.folder() / "nope"))
case("tx-empty-folder", LT, "an empty folder", "TaxonomyError", "not a taxonomy skillmatch can read",
     lambda env: skillmatch.load_taxonomy(env.folder()))
case("tx-projects-folder", LT, "a folder of projects with a damaged zip three levels down", "TaxonomyError",
     "projects: not a taxonomy", lambda env: skillmatch.load_taxonomy(projects(env)), absent="classification-en-csv")
case("tx-text-file", LT, "a text file", "TaxonomyError", "notes.txt: not a taxonomy",
     lambda env: skillmatch.load_taxonomy(env.file("notes.txt", "hallo")))
case("tx-dangling-link", LT, "a symbolic link to nothing", "TaxonomyError", "is a symbolic link to '/nope'",
     lambda env: skillmatch.load_taxonomy(_link(env.folder() / "link", "/nope")))
case("tx-path-int", LT, "`path=5`", "InputError", "load_taxonomy field 'path': expected a file or folder path",
     lambda env: skillmatch.load_taxonomy(5))
case("tx-strict-string", LT, "`strict='yes'`", "InputError", "field 'strict': expected True or False, got 'yes'",
     lambda env: skillmatch.load_taxonomy(strict="yes"))
case("tx-cache-string", LT, "`cache='no'` (a truthy string)", "InputError", "field 'cache': expected True or False",
     lambda env: skillmatch.load_taxonomy(cache="no"))
case("tx-unknown-option", LT, "an option the format does not take (`foo=1`)", "TaxonomyError",
     "field 'foo': unknown option(s) ['foo']", lambda env: skillmatch.load_taxonomy(foo=1))
case("tx-dutch-not-esco", LT, "`dutch=` for a non-ESCO source", "TaxonomyError",
     "field 'dutch': Dutch label merging is for ESCO sources only", lambda env: skillmatch.load_taxonomy(dutch="nl"))


def _link(path: Path, target: str) -> Path:
    os.symlink(target, path)
    return path


# === load_taxonomy: the skillmatch (native) CSV format =======================================================

NT = "load_taxonomy (native CSV)"
case("native-manifest-json", NT, "manifest.json that is not JSON", "TaxonomyError",
     "manifest.json: cannot read the manifest", lambda env: env.copy().put("manifest.json", "{").load())
case("native-manifest-list", NT, "manifest.json holding a list", "TaxonomyError",
     "manifest.json: expected a JSON object", lambda env: env.copy().put("manifest.json", "[]").load())
case("native-manifest-version", NT, "a format version from the future", "TaxonomyError",
     "found 'skillmatch-taxonomy' version 99",
     lambda env: env.copy().put("manifest.json", json.dumps({"format": "skillmatch-taxonomy", "format_version": 99}))
     .load())
case("native-manifest-language", NT, "manifest language `fr`", "TaxonomyError",
     "manifest.json field 'language': expected 'nl' or 'en' (found 'fr')",
     lambda env: env.copy().put("manifest.json", json.dumps({"format": "skillmatch-taxonomy", "format_version": 1,
                                                             "language": "fr"})).load())
case("native-stray-quote", NT, "a stray `\"` at the start of a field in occupations.csv", "TaxonomyError",
     "occupations.csv line 2: a quoted value ends and other text follows",
     lambda env: _stray_quote(env.copy(), "occupations.csv").load())
case("native-quote-never-closed", NT, "a quote opened in the last record and never closed", "TaxonomyError",
     "sectors.csv line 17: a quoted value opened in this record is never closed",
     lambda env: (t := env.copy()).put("sectors.csv", t.text("sectors.csv") + 'x,"unclosed\n').load())
case("native-short-row", NT, "a stray quote that finds a partner: too few fields", "TaxonomyError",
     "regions.csv line 2: 4 fields where the header has 5",
     lambda env: (t := env.copy()).put("regions.csv", t.text("regions.csv").replace(
         "groningen,Groningen,Groningen,", 'groningen,"Groningen,Groningen",', 1)).load())
case("native-long-row", NT, "an unquoted comma: too many fields", "TaxonomyError",
     "sectors.csv line 17: 7 fields where the header has 4",
     lambda env: (t := env.copy()).put("sectors.csv", t.text("sectors.csv") + "a,b,c,d,e,f,g\n").load())
case("native-latin1", NT, "occupations.csv saved as Latin-1", "TaxonomyError",
     "occupations.csv line 2: byte eb at column",
     lambda env: (t := env.copy()).put("occupations.csv", t.text("occupations.csv").encode("latin-1", "replace"))
     .load())
case("native-utf16", NT, "capabilities.csv saved as UTF-16 (with BOM)", "TaxonomyError",
     "capabilities.csv line 1: the file is UTF-16 (little-endian)",
     lambda env: (t := env.copy()).put("capabilities.csv", t.text("capabilities.csv").encode("utf-16")).load())
case("native-utf16-no-bom", NT, "UTF-16 without a byte-order mark", "TaxonomyError",
     "capabilities.csv line 1: the file holds NUL bytes",
     lambda env: (t := env.copy()).put("capabilities.csv", t.text("capabilities.csv").encode("utf-16-le")).load())
case("native-utf32", NT, "UTF-32", "TaxonomyError", "the file is UTF-32 (little-endian)",
     lambda env: (t := env.copy()).put("capabilities.csv", t.text("capabilities.csv").encode("utf-32")).load())
case("native-nul-byte", NT, "a NUL byte in a cell", "TaxonomyError", "sectors.csv line 17: the file holds NUL bytes",
     lambda env: (t := env.copy()).put("sectors.csv", t.text("sectors.csv").encode() + b"x,\x00y,,0\n").load())
case("native-empty-table", NT, "an empty occupations.csv", "TaxonomyError",
     "occupations.csv line 1: the file is empty", lambda env: env.copy().put("occupations.csv", "").load())
case("native-missing-column", NT, "occupations.csv without isco and sector", "TaxonomyError",
     "occupations.csv line 1: missing column(s) ['isco', 'sector']",
     lambda env: env.copy().put("occupations.csv", "id,pref_label_nl\nx,y\n").load())
case("native-missing-table", NT, "no requirements.csv", "TaxonomyError", "required table requirements.csv is missing",
     lambda env: _without(env.copy(), "requirements.csv").load())
case("native-table-is-folder", NT, "requirements.csv is a folder", "TaxonomyError",
     "requirements.csv is missing: it is not a file",
     lambda env: _mkdir(_without(env.copy(), "requirements.csv"), "requirements.csv").load())
case("native-table-dangling-link", NT, "requirements.csv links to nothing", "TaxonomyError",
     "it is a symbolic link to '/nope'",
     lambda env: _linked(_without(env.copy(), "requirements.csv"), "requirements.csv", "/nope").load())
case("native-level-nan", NT, "requirement level `nan`", "TaxonomyError",
     "requirements.csv line 2 field 'level': expected a level from 1 to 5, found nan",
     lambda env: env.copy().set("requirements.csv", 2, "level", "nan").load())
case("native-level-inf", NT, "requirement level `inf`", "TaxonomyError",
     "requirements.csv line 2 field 'level': expected a level from 1 to 5, found inf",
     lambda env: env.copy().set("requirements.csv", 2, "level", "inf").load())
case("native-level-negative", NT, "requirement level `-1`", "TaxonomyError",
     "requirements.csv line 2 field 'level': expected a level from 1 to 5, found -1",
     lambda env: env.copy().set("requirements.csv", 2, "level", "-1").load())
case("native-level-text", NT, "requirement level `hoog`", "TaxonomyError",
     "requirements.csv line 2 field 'level': expected a level from 1 to 5 (found 'hoog')",
     lambda env: env.copy().set("requirements.csv", 2, "level", "hoog").load())
case("native-unknown-concept", NT, "a requirement naming an unknown concept", "TaxonomyError",
     "requirements.csv line 2 record",
     lambda env: env.copy().set("requirements.csv", 2, "concept", "urn:nope").load())
case("native-unknown-occupation", NT, "a requirement naming an unknown occupation", "TaxonomyError",
     "requirements.csv line 2 field 'occupation': occupation 'urn:nope' is not in the taxonomy",
     lambda env: env.copy().set("requirements.csv", 2, "occupation", "urn:nope").load())
case("native-bad-importance", NT, "importance `crucial`", "TaxonomyError",
     "requirements.csv line 2 field 'importance': expected one of ['essential', 'important', 'somewhat']",
     lambda env: env.copy().set("requirements.csv", 2, "importance", "crucial").load())
case("native-duplicate-requirement", NT, "one requirement listed twice", "TaxonomyError",
     "requirement listed twice for this occupation (first at requirements.csv line 2)",
     lambda env: env.copy().append_copy("requirements.csv", 2).load())
case("native-duplicate-occupation", NT, "a duplicate occupation id", "TaxonomyError",
     "duplicate occupation id (first defined at occupations.csv line 2)",
     lambda env: env.copy().append_copy("occupations.csv", 2).load())
case("native-duplicate-concept", NT, "a duplicate concept id", "TaxonomyError",
     "duplicate concept id (first defined at capabilities.csv line 3)",
     lambda env: env.copy().append_copy("capabilities.csv", 3).load())
case("native-strength-nan", NT, "related strength `nan`", "TaxonomyError",
     "related.csv line 2 field 'strength': strength must be in (0, 1], found nan",
     lambda env: env.copy().set("related.csv", 2, "strength", "nan").load())
case("native-strength-text", NT, "related strength `sterk`", "TaxonomyError",
     "related.csv line 2 field 'strength': expected a number in (0, 1]",
     lambda env: env.copy().set("related.csv", 2, "strength", "sterk").load())
case("native-related-unknown", NT, "a related link to an unknown concept", "TaxonomyError",
     "related.csv line 2 field 'target': concept 'urn:nope' is not in the taxonomy",
     lambda env: env.copy().set("related.csv", 2, "target", "urn:nope").load())
case("native-capability-level", NT, "capability level `7`", "TaxonomyError",
     "capabilities.csv line 2 record 'urn:skillmatch:capability:l1:zorg-en-dienstverlening' field 'level'",
     lambda env: env.copy().set("capabilities.csv", 2, "level", "7").load())
case("native-hierarchy-cycle", NT, "two concepts each other's broader", "TaxonomyError",
     "field 'broader': hierarchy cycle",
     lambda env: _cycle(env.copy()).load())
case("native-empty-label", NT, "an occupation without its Dutch label", "TaxonomyError",
     "occupations.csv line 2 record",
     lambda env: env.copy().set("occupations.csv", 2, "pref_label_nl", "").load())
case("native-isco", NT, "a five-digit ISCO code", "TaxonomyError", "occupations.csv line 2 record",
     lambda env: env.copy().set("occupations.csv", 2, "isco", "12345").load())
case("native-unknown-sector", NT, "an occupation in an unknown sector", "TaxonomyError",
     "field 'sector': sector 'space' is not in the taxonomy",
     lambda env: env.copy().set("occupations.csv", 2, "sector", "space").load())
case("native-module-hours", NT, "a module of 0 hours", "TaxonomyError",
     "modules.csv line 2 record 'urn:skillmatch:module:praktijkverklaring-zorghulp' field 'hours'",
     lambda env: env.copy().set("modules.csv", 2, "hours", "0").load())
case("native-module-cost", NT, "a module costing -5 euro", "TaxonomyError", "modules.csv line 2 record",
     lambda env: env.copy().set("modules.csv", 2, "cost_eur", "-5").load())
case("native-module-type", NT, "module type `webinar`", "TaxonomyError", "field 'type'",
     lambda env: env.copy().set("modules.csv", 2, "type", "webinar").load())
case("native-module-prerequisite", NT, "a prerequisite that is no module", "TaxonomyError",
     "modules.csv line 2 record 'urn:skillmatch:module:praktijkverklaring-zorghulp' field 'prerequisites'",
     lambda env: env.copy().set("modules.csv", 2, "prerequisites", "urn:nope").load())
case("native-module-skill-level", NT, "a module teaching to level 0", "TaxonomyError",
     "module_skills.csv line 2 record",
     lambda env: env.copy().set("module_skills.csv", 2, "level", "0").load())
case("native-region-nan", NT, "a region at latitude `nan`", "TaxonomyError",
     "regions.csv line 2 record 'groningen' field 'lat'",
     lambda env: env.copy().set("regions.csv", 2, "lat", "nan").load())
case("native-path-step", NT, "a development path step to an unknown occupation", "TaxonomyError",
     "path_steps.csv line 2 record",
     lambda env: env.copy().set("path_steps.csv", 2, "to_occupation", "urn:nope").load())


def _stray_quote(tables: Tables, table: str) -> Tables:
    lines = tables.text(table).split("\n")
    lines[1] = lines[1].replace(",", ',"x', 1)  # the second field of line 2 starts with a quote and runs on
    return tables.put(table, "\n".join(lines))


def _without(tables: Tables, table: str) -> Tables:
    (tables.path / table).unlink()
    return tables


def _mkdir(tables: Tables, name: str) -> Tables:
    (tables.path / name).mkdir()
    return tables


def _linked(tables: Tables, name: str, target: str) -> Tables:
    os.symlink(target, tables.path / name)
    return tables


def _cycle(tables: Tables) -> Tables:
    a, b = tables.cell("capabilities.csv", 2, "id"), tables.cell("capabilities.csv", 3, "id")
    return tables.set("capabilities.csv", 2, "broader", b).set("capabilities.csv", 3, "broader", a)


# === load_taxonomy: ESCO CSV, zips, RDF ==================================================================

ES = "load_taxonomy (ESCO)"
case("esco-latin1", ES, "occupations_en.csv saved as Latin-1", "TaxonomyError",
     "occupations_en.csv line 2: byte e9",
     lambda env: skillmatch.load_taxonomy(env.esco(**{"occupations_en.csv": ESCO["occupations_en.csv"].replace(
         "Nurses care.", "Nurses caré.").encode("latin-1")}), cache=False))
case("esco-stray-quote", ES, "a stray quote in skills_en.csv", "TaxonomyError", "skills_en.csv line 4",
     lambda env: skillmatch.load_taxonomy(env.esco(**{"skills_en.csv": ESCO["skills_en.csv"].replace(
         ",anatomy,", ',"anatomy,')}), cache=False))
case("esco-relation-type", ES, "relationType `mandatory`", "TaxonomyError",
     "occupationSkillRelations.csv line 2 field 'relationType'",
     lambda env: skillmatch.load_taxonomy(env.esco(**{"occupationSkillRelations.csv": ESCO[
         "occupationSkillRelations.csv"].replace(",essential,", ",mandatory,", 1)}), cache=False))
case("esco-unknown-occupation", ES, "relations naming an occupation without a row (strict)", "TaxonomyError",
     "occupationSkillRelations.csv line 4 field 'occupationUri'",
     lambda env: skillmatch.load_taxonomy(env.esco(**{"occupationSkillRelations.csv": ESCO[
         "occupationSkillRelations.csv"] + f"{E}occupation/ghost,essential,skill/competence,{E}skill/care\n"}),
         cache=False, strict=True))
case("esco-missing-file", ES, "no occupationSkillRelations.csv", "TaxonomyError", "esco: not a taxonomy",
     lambda env: skillmatch.load_taxonomy(_gone(env.esco(), "occupationSkillRelations.csv"), cache=False))
case("esco-zip-crc", ES, "a zip member whose bytes were damaged", "TaxonomyError",
     "classification-en-csv.zip: not a valid zip archive (BadZipFile reading",
     lambda env: skillmatch.load_taxonomy(_damage_zip(env.esco_zips()), cache=False))
case("esco-zip-garbage", ES, "a zip that is no zip", "TaxonomyError",
     "classification-en-csv.zip: not a valid zip archive (File is not a zip file)",
     lambda env: skillmatch.load_taxonomy(_garbage_zip(env.esco_zips()), cache=False))
case("esco-zip-truncated", ES, "a zip cut short", "TaxonomyError",
     "relations-csv.zip: not a valid zip archive",
     lambda env: skillmatch.load_taxonomy((f := env.esco_zips(), cut(f / "relations-csv.zip"))[0], cache=False))
case("esco-optional-as", ES, "`optional_as='maybe'`", "InputError", "load_taxonomy field 'optional_as'",
     lambda env: skillmatch.load_taxonomy(env.esco(), cache=False, optional_as="maybe"))
case("esco-related-strength", ES, "`related_strength={'optional': 5}`", "InputError",
     "load_taxonomy field 'related_strength'",
     lambda env: skillmatch.load_taxonomy(env.esco(), cache=False, related_strength={"optional": 5}))
case("esco-related-strength-type", ES, "`related_strength='x'`", "InputError", "load_taxonomy field 'related_strength'",
     lambda env: skillmatch.load_taxonomy(env.esco(), cache=False, related_strength="x"))
case("esco-dutch-missing", ES, "`dutch=` a folder that does not exist", "TaxonomyError",
     "nope: expected a folder with occupations_nl.csv",
     lambda env: skillmatch.load_taxonomy(env.esco(), cache=False, dutch=env.folder() / "nope"))
RD = "load_taxonomy (RDF)"
case("rdf-garbage", RD, "a .ttl file that is not Turtle", "TaxonomyError", "x.ttl line 1: cannot parse as turtle",
     lambda env: skillmatch.load_taxonomy(env.file("x.ttl", "this is not turtle"), cache=False))
case("rdf-empty", RD, "an empty .ttl file", "TaxonomyError", "y.ttl: no cnlo:Occupation",
     lambda env: skillmatch.load_taxonomy(env.file("y.ttl", ""), cache=False))


def _gone(folder: Path, name: str) -> Path:
    (folder / name).unlink()
    return folder


def _damage_zip(folder: Path) -> Path:
    archive = folder / "classification-en-csv.zip"
    with zipfile.ZipFile(archive) as z:
        info = z.getinfo("skills_en.csv")
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF  # the compressed bytes: the CRC no longer holds
    archive.write_bytes(bytes(data))
    return folder


def _garbage_zip(folder: Path) -> Path:
    (folder / "classification-en-csv.zip").write_bytes(b"PK\x03\x04 not really a zip")
    return folder


# === compiled taxonomies and the cache ====================================================================

CA = "taxonomy cache, compiled folder"
case("compiled-swapped-ids", CA, "meta.json with two concept ids exchanged (a compiled folder)", "TaxonomyError",
     "compiled: the compiled taxonomy was altered or damaged: meta.json and arrays.npz do not match the content hash",
     lambda env: compiled(env, lambda f: swap_two_ids(f / "meta.json")))
case("compiled-arrays-cut", CA, "arrays.npz cut short", "TaxonomyError", "do not match the content hash",
     lambda env: compiled(env, lambda f: cut(f / "arrays.npz")))
case("compiled-arrays-missing", CA, "arrays.npz deleted", "TaxonomyError", "cannot read arrays.npz",
     lambda env: compiled(env, lambda f: (f / "arrays.npz").unlink()))
case("compiled-other-version", CA, "meta.json of another format version", "TaxonomyError",
     "meta.json: expected format 'skillmatch-compiled' version",
     lambda env: compiled(env, lambda f: (f / "meta.json").write_text(json.dumps(
         {"format": "skillmatch-compiled", "format_version": 0}))))
case("compiled-meta-not-json", CA, "meta.json that is not JSON", "TaxonomyError", "compiled: not a taxonomy",
     lambda env: compiled(env, lambda f: (f / "meta.json").write_text("{")))
case("cache-swapped-ids", CA, "a cache entry whose meta.json was edited (two ids swapped)", "rebuilt",
     "the compiled cache of this source was altered or damaged and has been rebuilt",
     lambda env: tamper_cache(env, lambda entry: swap_two_ids(entry / "meta.json")))
case("cache-arrays-garbage", CA, "a cache entry whose arrays.npz is garbage", "rebuilt",
     "has been rebuilt from the source",
     lambda env: tamper_cache(env, lambda entry: (entry / "arrays.npz").write_bytes(b"garbage")))
case("cache-meta-cut", CA, "a cache entry whose meta.json was cut short", "rebuilt", "has been rebuilt",
     lambda env: tamper_cache(env, lambda entry: cut(entry / "meta.json", 0.9)))


# === records: the pydantic models ============================================================================

MO = "Jobseeker / Vacancy / SkillClaim models"
for _id, _bad, _value, _match in [
    ("level-nan", "`proficiency=nan`", math.nan, "proficiency\n  Input should be a finite number"),
    ("level-inf", "`proficiency=inf`", math.inf, "proficiency\n  Input should be a finite number"),
    ("level-negative", "`proficiency=-1`", -1, "proficiency\n  Input should be greater than or equal to 1"),
    ("level-zero", "`proficiency=0`", 0, "proficiency\n  Input should be greater than or equal to 1"),
    ("level-six", "`proficiency=6`", 6, "proficiency\n  Input should be less than or equal to 5"),
    ("level-true", "`proficiency=True`", True, "proficiency\n  Value error, expected a number, got True or False"),
    ("level-fraction", "`proficiency=3.5`", 3.5, "proficiency\n  Input should be a valid integer, got a number with a "
                                                 "fractional part"),
    ("level-none", "`proficiency=None`", None, "proficiency\n  Input should be a valid integer"),
    ("level-numpy-nan", "`proficiency=np.float64('nan')`", np.float64("nan"),
     "proficiency\n  Input should be a finite"),
]:
    case(f"model-{_id}", MO, _bad, "ValidationError", _match,
         lambda env, v=_value: SkillClaim(skill=env.skill, proficiency=v))
for _id, _bad, _fields, _match in [
    ("id-empty", "`id=''`", {"id": ""}, "id\n  String should have at least 1 character"),
    ("id-int", "`id=5`", {"id": 5}, "id\n  Input should be a valid string"),
    ("extra-field", "a field the model does not have (`name`)", {"name": "Jan"},
     "name\n  Extra inputs are not permitted"),
    ("hours-reversed", "`hours_min` above `hours_max`", {"hours_min": 30, "hours_max": 20},
     "hours_min (30.0) is more than hours_max (20.0)"),
    ("hours-nan", "`hours_max=nan`", {"hours_max": math.nan}, "hours_max\n  Input should be a finite number"),
    ("hours-true", "`hours_max=True`", {"hours_max": True}, "hours_max\n  Value error, expected a number"),
    ("travel-inf", "`max_travel_km=inf`", {"max_travel_km": math.inf}, "max_travel_km\n  Input should be a finite"),
    ("travel-zero", "`max_travel_km=0`", {"max_travel_km": 0}, "max_travel_km\n  Input should be greater than 0"),
    ("travel-text", "`max_travel_km='no'`", {"max_travel_km": "no"}, "max_travel_km\n  Input should be a valid number"),
    ("budget-inf", "`budget_eur=inf`", {"budget_eur": math.inf}, "budget_eur\n  Input should be a finite number"),
    ("latitude", "latitude 91", {"location": {"lat": 91, "lon": 4}}, "location.lat\n  Input should be less than"),
    ("location-text", "`location='Rotterdam'`", {"location": "Rotterdam"}, "location\n  Input should be a valid dict"),
    ("support-unknown", "support need `lift`", {"support_needs": ["lift"]}, "support_needs.0\n  Input should be"),
    ("support-string", "`support_needs='jobcoach'` (one string)", {"support_needs": "jobcoach"},
     "support_needs\n  Input should be a valid tuple"),
    ("skills-string", "`skills='verzorgen'` (one string)", {"skills": "verzorgen"},
     "skills\n  Input should be a valid"),
    ("skills-level-key", "a skill item with `level` instead of `proficiency`",
     {"skills": [{"skill": "x", "level": 3}]}, "skills.0.level\n  Extra inputs are not permitted"),
    ("language-level", "language level `B3`", {"language_level": "B3"}, "language_level\n  Input should be 'A1'"),
    ("date", "`available_from='2025-13-01'`", {"available_from": "2025-13-01"}, "available_from\n  Input should be"),
    ("attributes", "an attribute that is not text", {"attributes": {"age": 23}}, "attributes.age\n  Input should be"),
]:
    case(f"model-{_id}", MO, _bad, "ValidationError", _match, lambda env, f=_fields: Jobseeker(**{"id": "j1", **f}))
for _id, _bad, _fields, _match in [
    ("vacancy-empty", "a vacancy without requirements or occupation", {},
     "a vacancy needs requirements or an occupation to take them from"),
    ("positions-zero", "`positions=0`", {"occupation": "x", "positions": 0}, "positions\n  Input should be greater"),
    ("positions-true", "`positions=True`", {"occupation": "x", "positions": True},
     "positions\n  Value error, expected a number, got True or False"),
    ("contract", "contract `permanent`", {"occupation": "x", "contract": "permanent"}, "contract\n  Input should be"),
    ("vacancy-hours", "`hours_max=100`", {"occupation": "x", "hours_max": 100}, "hours_max\n  Input should be less"),
]:
    case(f"model-{_id}", MO, _bad, "ValidationError", _match, lambda env, f=_fields: Vacancy(**{"id": "v1", **f}))
case("model-importance", MO, "importance `crucial`", "ValidationError", "importance\n  Input should be 'essential'",
     lambda env: Requirement(skill=env.skill, importance="crucial"))
case("model-requirement-level-true", MO, "requirement `level=True`", "ValidationError",
     "level\n  Value error, expected a number", lambda env: Requirement(skill=env.skill, level=True))
case("model-evidence", MO, "evidence `rumour`", "ValidationError", "evidence\n  Input should be 'diploma'",
     lambda env: SkillClaim(skill=env.skill, evidence="rumour"))


# === the Matcher: parameters ================================================================================

MP = "Matcher parameters"
for _id, _name, _value, _expected in [
    ("travel-no", "travel", "no", "expected True or False, got 'no'"),
    ("idf-false", "idf", "false", "expected True or False, got 'false'"),
    ("idf-one", "idf", 1, "expected True or False, got 1"),
    ("same-region-none", "same_region", None, "expected True or False, got None"),
    ("support-numpy", "support", np.float64(1.0), "expected True or False, got np.float64(1.0)"),
    ("scoring-case", "scoring", "Cosine", "expected one of 'fit', 'cosine', 'coverage', got 'Cosine'"),
    ("penalty-one", "essential_penalty", 1.0, "expected a number from 0 below 1, got 1.0"),
    ("penalty-nan", "essential_penalty", math.nan, "expected a number from 0 below 1, got nan"),
    ("penalty-text", "essential_penalty", "0.2", "expected a number from 0 below 1, got '0.2'"),
    ("boost-inf", "crucial_boost", math.inf, "expected a number from 0 to 100, got inf"),
    ("coverage-weight-zero", "coverage_weight", 0, "expected a number above 0 to 1, got 0"),
    ("threads-zero", "n_threads", 0, "expected an integer from 1 to 4096, or None, got 0"),
    ("threads-true", "n_threads", True, "expected an integer from 1 to 4096, or None, got True"),
    ("threads-float", "n_threads", 2.0, "expected an integer from 1 to 4096, or None, got 2.0"),
    ("lang", "lang", "de", "expected one of 'nl', 'en', got 'de'"),
    ("weights-two", "importance_weights", (1, 1), "expected three weights in (0, 1]"),
    ("weights-zero", "importance_weights", (0, 0.5, 1), "expected three weights in (0, 1]"),
    ("credit", "credit", "yes", "expected a Credit, None or 'auto', got 'yes'"),
    ("weighting", "weighting", "tfidf", "expected one of 'binary', 'levels', 'importance', got 'tfidf'"),
    ("essential", "essential", "soft", "expected one of 'none', 'penalty', 'gate', got 'soft'"),
]:
    case(f"matcher-{_id}", MP, f"`{_name}={_value!r}`", "InputError", f"Matcher field '{_name}': {_expected}",
         lambda env, n=_name, v=_value: matcher(env, **{n: v}))
case("matcher-taxonomy-path", MP, "a path where the Taxonomy goes", "InputError",
     "Matcher field 'taxonomy': expected a skillmatch Taxonomy, got str",
     lambda env: Matcher("taxonomy/").fit("occupations"))
case("matcher-several", MP, "three bad parameters at once", "InputError", "3 invalid parameter(s) of Matcher",
     lambda env: matcher(env, travel="no", idf="false", lang="de"))


# === the Matcher: fit, match, match_one, explain ===============================================================

MM = "Matcher.fit / match / match_one"
for _id, _k, _shown in [("zero", 0, "0"), ("negative", -1, "-1"), ("true", True, "True"), ("float", 2.0, "2.0"),
                        ("text", "5", "'5'"), ("none", None, "None"), ("numpy-zero", np.int32(0), "np.int32(0)"),
                        ("nan", math.nan, "nan")]:
    case(f"match-k-{_id}", MM, f"`k={_shown}`", "InputError",
         f"match field 'k': expected an integer >= 1, got {_shown}",
         lambda env, k=_k: env.occupations.match([env.me], k=k))
case("match-one-k-negative", MM, "`match_one(k=-5)`", "InputError",
     "match_one field 'k': expected an integer >= 1, got -5", lambda env: env.occupations.match_one(env.me, k=-5))
case("match-one-k-huge", MM, "`match_one(k=2**31)` (once: a minute and 16 GiB)", "capped", "(1, 159)",
     lambda env: (env.occupations.match_one(env.me, k=2**31).indices.shape, (1, env.tx.n_occupations)))
case("match-before-fit", MM, "`match` before `fit`", "InputError", "Matcher: call fit(candidates) before match",
     lambda env: Matcher(env.tx).match([env.me]))
case("match-one-dict", MM, "`match_one` of a dict", "InputError", "query: expected a Jobseeker or a Vacancy, got dict",
     lambda env: env.occupations.match_one({"id": "j1"}))
case("match-one-list", MM, "`match_one` of a list", "InputError", "query: expected a Jobseeker or a Vacancy, got list",
     lambda env: env.occupations.match_one([env.me]))
case("fit-zero-vacancies", MM, "`fit([])`: zero vacancies", "InputError",
     "candidates: expected at least one record, got none", lambda env: Matcher(env.tx).fit([]))
case("match-zero-queries", MM, "`match([])`", "InputError", "queries: expected at least one record, got none",
     lambda env: env.occupations.match([]))
case("fit-typo-string", MM, "`fit('occupation')` (a typo)", "InputError",
     "candidates: expected records, a matrix or 'occupations', got the string 'occupation'",
     lambda env: Matcher(env.tx).fit("occupation"))
case("fit-none", MM, "`fit(None)`", "InputError", "candidates: expected a list of Jobseeker or Vacancy records",
     lambda env: Matcher(env.tx).fit(None))
case("fit-dicts", MM, "`fit([dict])`", "InputError",
     "candidates: expected only Jobseeker or only Vacancy records, got ['dict']",
     lambda env: Matcher(env.tx).fit([{"id": "v"}]))
case("fit-mixed", MM, "jobseekers and vacancies mixed", "InputError",
     "candidates: expected only Jobseeker or only Vacancy records, got ['Jobseeker', 'Vacancy']",
     lambda env: Matcher(env.tx).fit([env.vacancies[0], env.me]))
case("fit-duplicate-ids", MM, "two vacancies with one id", "InputError",
     "vacancies (candidates): ids must be unique; repeated: ['v0']",
     lambda env: Matcher(env.tx).fit([env.vacancies[0], env.vacancies[0]]))
case("match-duplicate-ids", MM, "two jobseekers with one id", "InputError",
     "jobseekers (queries): ids must be unique; repeated: ['j1']", lambda env: env.occupations.match([env.me, env.me]))
case("match-unknown-skill", MM, "a skill id that is not in the taxonomy", "InputError",
     "jobseekers (queries) record 'x' field 'skills[0].skill': skill 'urn:nope' is not in the taxonomy",
     lambda env: env.occupations.match([Jobseeker(id="x", skills=[SkillClaim(skill="urn:nope")])]))
case("fit-unknown-occupation", MM, "a vacancy of an unknown occupation", "InputError",
     "vacancies (candidates) record 'v' field 'occupation': occupation 'urn:nope' is not in the taxonomy",
     lambda env: Matcher(env.tx).fit([Vacancy(id="v", occupation="urn:nope")]))
case("match-unknown-region", MM, "region `atlantis`", "InputError",
     "record 'x' field 'region': region 'atlantis' is not one of the taxonomy's 35 regions",
     lambda env: env.occupations.match([Jobseeker(id="x", region="atlantis")]))
case("match-travel-without-place", MM, "a travel limit but no location or region", "InputError",
     "record 'x' field 'max_travel_km': max_travel_km is set, but there is no location or region",
     lambda env: env.occupations.match([Jobseeker(id="x", max_travel_km=10)]))
case("match-exclude-string", MM, "`match(exclude='v1')` (one string)", "InputError",
     "exclude: expected a mapping query id -> candidate ids", lambda env: env.to_vacancies.match([env.me],
                                                                                                 exclude="v1"))
case("match-one-exclude-int", MM, "`match_one(exclude=5)`", "InputError",
     "exclude: expected candidate ids (a list of strings), got 5", lambda env: env.to_vacancies.match_one(env.me,
                                       exclude=5))
case("match-exclude-unknown-candidate", MM, "excluding a candidate that was not fitted", "InputError",
     "exclude record 'j1': candidate id 'vx' is not among the fitted candidates",
     lambda env: env.to_vacancies.match([env.me], exclude={"j1": ["vx"]}))
case("match-exclude-unknown-query", MM, "excluding for a query that is not there", "InputError",
     "exclude: query id(s) not among the queries: ['nobody']",
     lambda env: env.to_vacancies.match([env.me], exclude={"nobody": ["v0"]}))
case("match-exclude-length", MM, "one exclude list per query, but two lists for one query", "InputError",
     "one list of candidate ids per query (1), got 2 lists",
     lambda env: env.to_vacancies.match([env.me], exclude=[["v0"], ["v1"]]))
case("explain-row", MM, "`explain(5, 0)` of a one-row result", "InputError",
     "row: expected an integer from 0 to 0, got 5",
     lambda env: env.to_vacancies.match([env.me]).explain(5, 0))
case("explain-lang", MM, "`explain(lang='de')`", "InputError", "lang: expected 'nl' or 'en', got 'de'",
     lambda env: env.to_vacancies.match([env.me]).explain(0, 0, lang="de"))
case("match-other-taxonomy-batch", MM, "queries vectorised with another taxonomy version", "InputError",
     "queries: built against another taxonomy (fingerprint",
     lambda env: env.occupations.match(_batch(env.tx2, [env.me])))
case("match-index-other-taxonomy", MM, "an index built from another taxonomy version than the query", "InputError",
     "than the index", lambda env: _with_index(Matcher(env.tx2), env.occupations.index_).match([env.me]))
case("from-index-not-index", MM, "`Matcher.from_index('x')`", "InputError", "index: expected a CandidateIndex, got str",
     lambda env: Matcher.from_index("x"))


def _batch(tx: Any, records: list[Any]) -> Any:
    from skillmatch.vectorize import batch

    return batch(tx, records)


def _with_index(m: Matcher, index: Any) -> Matcher:
    m.index_ = index
    return m


# === label resolution ===================================================================================

LB = "LabelIndex.resolve / resolve_many"
case("labels-one-string", LB, "`resolve_many('heftruck')` (one string)", "InputError",
     "texts: expected a list of strings, got one string", lambda env: env.labels.resolve_many("heftruck"))
case("labels-none", LB, "`resolve(None)`", "InputError", "texts: expected strings, found NoneType",
     lambda env: env.labels.resolve(None))
case("labels-int-in-list", LB, "`resolve_many(['a', 3])`", "InputError", "texts: expected strings, found int",
     lambda env: env.labels.resolve_many(["a", 3]))
for _value, _shown in [(0, "0"), (True, "True"), ("3", "'3'"), (2.5, "2.5")]:
    case(f"labels-limit-{_shown.strip(chr(39)).lower()}", LB, f"`limit={_shown}`", "InputError",
         f"resolve field 'limit': expected an integer >= 1, got {_shown}",
         lambda env, v=_value: env.labels.resolve("zorg", limit=v))
case("labels-margin-nan", LB, "`margin=nan`", "InputError", "resolve field 'margin': expected a number from 0 to 100",
     lambda env: env.labels.resolve("zorg", margin=math.nan))
case("labels-kind", LB, "`kind='skills'`", "InputError", "resolve field 'kind': expected one of 'skill', 'occupation'",
     lambda env: env.labels.resolve("zorg", kind="skills"))
case("labels-kinds-string", LB, "`LabelIndex(kinds='skill')` (one string)", "InputError",
     "LabelIndex field 'kinds': expected a list of kinds", lambda env: LabelIndex(env.tx, kinds="skill"))
case("labels-shortlist", LB, "`LabelIndex(shortlist=True)`", "InputError", "LabelIndex field 'shortlist'",
     lambda env: LabelIndex(env.tx, shortlist=True))
case("labels-taxonomy", LB, "`LabelIndex('taxonomy')`", "InputError",
     "LabelIndex field 'taxonomy': expected a skillmatch",
     lambda env: LabelIndex("taxonomy"))


# === batch readers ======================================================================================

RD_ = "batch readers (jsonl/csv/parquet)"
GOOD = '{"id": "j0"}\n'
for _id, _bad, _name, _content, _match in [
    ("jsonl-malformed", "a line that is not JSON", "a.jsonl", GOOD + '{"id": "j2", \n',
     "a.jsonl line 2: not valid JSON: Expecting property name"),
    ("jsonl-array", "a line holding an array", "a.jsonl", GOOD + "[1, 2]\n",
     "a.jsonl line 2: expected a JSON object, found an array"),
    ("jsonl-trailing-comma", "a trailing comma", "a.jsonl", '{"id": "j2",}\n', "a.jsonl line 1: not valid JSON"),
    ("jsonl-nan", "`NaN` in a field", "a.jsonl", '{"id": "j2", "hours_max": NaN}\n',
     "a.jsonl line 1 record 'j2' field 'hours_max': expected a finite number"),
    ("jsonl-infinity-level", "`Infinity` as a level", "a.jsonl",
     '{"id": "j2", "skills": [{"skill": "x", "proficiency": Infinity}]}\n',
     "a.jsonl line 1 record 'j2' field 'skills[0].proficiency': expected a finite number"),
    ("jsonl-overflow", "`1e999`", "a.jsonl", '{"id": "j2", "hours_max": 1e999}\n',
     "a.jsonl line 1 record 'j2' field 'hours_max': expected a finite number"),
    ("jsonl-negative-level", "a negative level", "a.jsonl",
     '{"id": "j2", "skills": [{"skill": "x", "proficiency": -2}]}\n',
     "a.jsonl line 1 record 'j2' field 'skills[0].proficiency': Input should be greater than or equal to 1"),
    ("jsonl-level-true", "`true` as a level", "a.jsonl",
     '{"id": "j2", "skills": [{"skill": "x", "proficiency": true}]}\n',
     "a.jsonl line 1 record 'j2' field 'skills[0].proficiency': expected a number, got True or False"),
    ("jsonl-duplicate-id", "a duplicate id", "a.jsonl", GOOD + GOOD,
     "a.jsonl line 2 record 'j0' field 'id': duplicate id 'j0': first seen on line 1"),
    ("jsonl-no-id", "a record without an id", "a.jsonl", '{"skills": []}\n',
     "a.jsonl line 1 field 'id': required field is missing"),
    ("jsonl-unknown-field", "a field the model does not have", "a.jsonl", '{"id": "j3", "naam": "Jan"}\n',
     "a.jsonl line 1 record 'j3' field 'naam': unknown field 'naam'"),
    ("jsonl-latin1", "a Latin-1 line", "a.jsonl", '{"id": "j4", "region": "café"}\n'.encode("latin-1"),
     "a.jsonl line 1: not valid UTF-8 (byte 0xe9 at column 28)"),
    ("jsonl-huge-number", "a number of 5,000 digits", "a.jsonl", '{"id": "j8", "hours_max": ' + "9" * 5000 + "}\n",
     "a.jsonl line 1: not valid JSON: a number too long to read"),
    ("jsonl-deep-nesting", "arrays nested 100,000 deep", "a.jsonl",
     '{"id": "j9", "tags": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
     "a.jsonl line 1: not valid JSON: nested too deeply"),
    ("csv-stray-quote", "a stray quote that swallows the next line", "a.csv", 'id,region\nj1,"rijnmond\nj2,twente\n',
     "a.csv line 2 record 'j1' field 'region': a quoted value runs from line 2 to line 3"),
    ("csv-too-many-fields", "a row with an extra field", "a.csv", "id,region\nj1,twente,extra\n",
     "a.csv line 2 record 'j1': 3 fields where the header has 2"),
    ("csv-too-few-fields", "a row with a field missing", "a.csv", "id,region,hours_max\nj1,twente\n",
     "a.csv line 2 record 'j1': 2 fields where the header has 3"),
    ("csv-level-nine", "level 9 in a skill item", "a.csv", "id,skills\nj1,urn:x:9\n",
     "a.csv line 2 record 'j1' field 'skills': item 1, proficiency: Input should be less than or equal to 5"),
    ("csv-hours-nan", "`nan` hours", "a.csv", "id,hours_max\nj1,nan\n",
     "a.csv line 2 record 'j1' field 'hours_max': expected a finite number"),
    ("csv-hours-inf", "`inf` hours", "a.csv", "id,hours_max\nj1,inf\n",
     "a.csv line 2 record 'j1' field 'hours_max': expected a finite number"),
    ("csv-travel-text", "`ver` as a distance", "a.csv", "id,max_travel_km,region\nj1,ver,twente\n",
     "a.csv line 2 record 'j1' field 'max_travel_km': expected a number"),
    ("csv-lat-only", "a latitude without a longitude", "a.csv", "id,lat\nj1,51.9\n",
     "a.csv line 2 record 'j1' field 'lon': a location needs both lat and lon"),
    ("csv-empty-id", "an empty id", "a.csv", "id,region\n,twente\n",
     "a.csv line 2 field 'id': required field is missing"),
    ("csv-latin1", "a Latin-1 row", "a.csv", "id,region\nj1,café\n".encode("latin-1"),
     "a.csv line 2 record 'j1': not valid UTF-8 (byte 0xe9 at column 7)"),
    ("csv-duplicate-id", "a duplicate id", "a.csv", "id\nj1\nj1\n",
     "a.csv line 3 record 'j1' field 'id': duplicate id 'j1': first seen on line 2"),
    ("csv-support", "support need `lift`", "a.csv", "id,support_needs\nj1,lift\n",
     "a.csv line 2 record 'j1' field 'support_needs': support_needs[0]: Input should be"),
    ("csv-date", "a date as 31-12-2025", "a.csv", "id,available_from\nj1,31-12-2025\n",
     "a.csv line 2 record 'j1' field 'available_from': Input should be a valid date"),
]:
    case(_id, RD_, _bad, "skip", _match, lambda env, n=_name, c=_content: read(env, n, c))
case("reader-unknown-skill", RD_, "a skill id the taxonomy does not have", "skip",
     "a.jsonl line 1 record 'j1' field 'skills[0].skill': skill 'urn:nope' is not in the taxonomy",
     lambda env: read(env, "a.jsonl", '{"id": "j1", "skills": [{"skill": "urn:nope"}]}\n', taxonomy=True))
case("reader-unresolved-label", RD_, "a skill label that matches nothing", "skip",
     "a.csv line 2 record 'j1' field 'skills[0].skill': skill label 'xyzzy plugh' does not match a skill",
     lambda env: read(env, "a.csv", "id,skills\nj1,xyzzy plugh\n", taxonomy=True))
case("reader-unknown-occupation", RD_, "a vacancy of an unknown occupation", "skip",
     "v.jsonl line 1 record 'v1' field 'occupation': occupation 'urn:nope' is not in the taxonomy",
     lambda env: read(env, "v.jsonl", '{"id": "v1", "occupation": "urn:nope"}\n', vacancies=True, taxonomy=True))
case("reader-vacancy-empty", RD_, "a vacancy without requirements or occupation", "skip",
     "v.jsonl line 1 record 'v1': a vacancy needs requirements or an occupation",
     lambda env: read(env, "v.jsonl", '{"id": "v1"}\n', vacancies=True))
case("reader-unknown-region", RD_, "region `atlantis`", "warning",
     "a.jsonl line 1 record 'j1' field 'region': region 'atlantis' is not an arbeidsmarktregio of the taxonomy",
     lambda env: read(env, "a.jsonl", '{"id": "j1", "region": "atlantis"}\n', taxonomy=True))
case("reader-empty-file", RD_, "an empty file (zero records)", "warning", "a.jsonl: the file holds no records",
     lambda env: read(env, "a.jsonl", ""))
case("reader-header-only", RD_, "a CSV with a header and no rows", "warning", "a.csv: the file holds no records",
     lambda env: read(env, "a.csv", "id,skills\n"))
for _id, _bad, _name, _content, _match in [
    ("jsonl-utf16", "a UTF-16 JSONL file", "a.jsonl", GOOD.encode("utf-16"),
     "a.jsonl line 1: the file is UTF-16 (or another two-byte encoding)"),
    ("csv-utf16", "a UTF-16 CSV file", "a.csv", "id\nj1\n".encode("utf-16"), "a.csv line 1: the file is UTF-16"),
    ("csv-unknown-column", "a column the model does not have", "a.csv", "id,naam\nj1,Jan\n",
     "a.csv line 1 field 'naam': unknown column 'naam'"),
    ("csv-no-id-column", "no id column", "a.csv", "skills\nx\n", "a.csv line 1: missing required column(s) ['id']"),
    ("csv-duplicate-column", "a column twice", "a.csv", "id,id\nj1,j2\n",
     "a.csv line 1 field 'id': column 'id' appears twice"),
    ("unknown-extension", "a .xlsx file", "a.xlsx", "x", "a.xlsx: cannot tell the format from the file name"),
    ("gzip-damaged", "a .jsonl.gz cut short", "a.jsonl.gz", b"\x1f\x8b\x08\x00garbage",
     "a.jsonl.gz: cannot be read"),
    ("gzip-not-gzip", "a .csv.gz that is plain text", "a.csv.gz", "id\nj1\n",
     "a.csv.gz: cannot be read: Not a gzipped file"),
    ("parquet-damaged", "a .parquet that is not Parquet", "a.parquet", b"PAR1 garbage",
     "a.parquet: cannot be read as Parquet"),
]:
    case(f"reader-{_id}", RD_, _bad, "InputError", _match, lambda env, n=_name, c=_content: read(env, n, c))
case("reader-missing-file", RD_, "a file that does not exist", "InputError", "nope.jsonl: no such file",
     lambda env: read_jobseekers_of(env.folder() / "nope.jsonl"))
case("reader-folder", RD_, "a folder named like a file", "InputError", "dir.jsonl: is a folder; expected a file",
     lambda env: read_jobseekers_of(_mkfolder(env.folder() / "dir.jsonl")))
case("reader-chunk-size", RD_, "`chunk_size=True`", "InputError", "chunk_size: expected a positive integer, got True",
     lambda env: read(env, "a.jsonl", GOOD, chunk_size=True))


def read_jobseekers_of(path: Path) -> Any:
    from skillmatch.batch import read_jobseekers

    return read_jobseekers(path).read_all()


def _mkfolder(path: Path) -> Path:
    path.mkdir()
    return path


# === batch runs ============================================================================================

RM = "run_match (batch)"
case("run-empty-profile", RM, "a jobseeker with no skills (an empty profile)", "warning",
     "jobseekers.jsonl line 1 record 'j0' field 'skills': no skills: nothing to match on, so this jobseeker is in no "
     "result",
     lambda env: run(env, [{"id": "j0"}, person(env)]))
case("run-bad-records", RM, "a level of 9 among good records", "skip",
     "jobseekers.jsonl line 2 record 'j2' field 'skills[0].proficiency': Input should be less than or equal to 5",
     lambda env: run(env, [person(env), {"id": "j2", "skills": [{"skill": env.skill, "proficiency": 9}]}]))
case("run-travel-without-place", RM, "a travel limit with nothing to measure from", "skip",
     "jobseekers.jsonl line 1 record 'j1' field 'max_travel_km': max_travel_km is set, but there is no location",
     lambda env: run(env, [person(env, max_travel_km=10), {**person(env, region="twente"), "id": "j2"}]))
case("run-unknown-region", RM, "region `atlantis` (kept by the reader, refused by the index)", "skip",
     "jobseekers.jsonl line 1 record 'j1' field 'region': region 'atlantis' is not one of the taxonomy's 35 regions",
     lambda env: run(env, [person(env, region="atlantis"), {**person(env), "id": "j2"}]))
case("run-zero-jobseekers", RM, "an empty jobseekers file", "warning", "none.jsonl: the file holds no records",
     lambda env: run(env, env.file("none.jsonl", "")))
case("run-zero-vacancies", RM, "no valid vacancies", "InputError", "empty.jsonl: no valid vacancies to match against",
     lambda env: run(env, [person(env)], env.empty_file))
case("run-k-huge", RM, "`k=10**9`", "capped", "4",
     lambda env: (_run_k(env, 10**9), len(env.vacancies)))
case("run-k-true", RM, "`k=True`", "InputError", "run_match field 'k': expected an integer >= 1, got True",
     lambda env: run(env, [person(env)], k=True))
case("run-progress", RM, "`progress='yes'`", "InputError", "run_match field 'progress'",
     lambda env: run(env, [person(env)], progress="yes"))
case("run-explanations", RM, "`explanations='html'`", "InputError",
     "run_match field 'explanations': expected False, True, 'text' or 'json', got 'html'",
     lambda env: run(env, [person(env)], explanations="html"))
case("run-matcher-travel", RM, "`travel='no'` passed through", "InputError",
     "Matcher field 'travel': expected True or False",
     lambda env: run(env, [person(env)], travel="no"))
case("run-unknown-option", RM, "an option that does not exist", "InputError", "run_match: unknown option(s) ['foo']",
     lambda env: run(env, [person(env)], foo=1))
case("run-strict", RM, "`strict=True` and a bad record", "InputError",
     "(strict mode stops at the first chunk with an error)",
     lambda env: run(env, [person(env), {"id": "j2", "skills": [{"skill": env.skill, "proficiency": 9}]}], strict=True))
case("run-out-is-input", RM, "`out` is the jobseekers file", "InputError",
     "is the jobseekers file; choose another output",
     lambda env: _run_into(env, lambda js: js))
case("run-errors-unwritable", RM, "`errors_path='/dev/null/e.jsonl'`", "InputError",
     "/dev/null/e.jsonl field 'errors_path': cannot write the file here: /dev/null is not a folder",
     lambda env: _run_errors(env, "/dev/null/e.jsonl"))
case("run-out-unwritable", RM, "`out='/dev/null/m.csv'`", "InputError",
     "/dev/null/m.csv field 'out': cannot write the file here", lambda env: _run_into(env,
                                                                                      lambda js: "/dev/null/m.csv"))
case("run-taxonomy-type", RM, "`taxonomy=5`", "InputError", "taxonomy: expected a Taxonomy, a path or None",
     lambda env: _run_taxonomy(env, 5))
case("run-resume-changed", RM, "`resume=True` after the input changed", "InputError",
     "cannot resume: ", lambda env: _resume_changed(env))


def _run_k(env: Env, k: int) -> int:
    from skillmatch.batch import run_match

    out = env.folder() / "m.csv"
    return run_match(env.jobseekers_file, env.vacancies_file, out, taxonomy=env.tx, k=k, progress=False).k


def _run_into(env: Env, out: Callable[[Path], Any]) -> Any:
    from skillmatch.batch import run_match

    js = env.jsonl([person(env)])
    return run_match(js, env.vacancies_file, out(js), taxonomy=env.tx, progress=False)


def _run_errors(env: Env, errors: str) -> Any:
    from skillmatch.batch import run_match

    return run_match(env.jobseekers_file, env.vacancies_file, env.folder() / "m.csv", taxonomy=env.tx,
                     errors_path=errors, progress=False)


def _run_taxonomy(env: Env, taxonomy: Any) -> Any:
    from skillmatch.batch import run_match

    return run_match(env.jobseekers_file, env.vacancies_file, env.folder() / "m.csv", taxonomy=taxonomy,
                     progress=False)


def _resume_changed(env: Env) -> Any:
    from skillmatch.batch import run_match

    js = env.jsonl([person(env)])
    out = env.folder() / "m.csv"
    run_match(js, env.vacancies_file, out, taxonomy=env.tx, progress=False)
    js.write_text(js.read_text(encoding="utf-8") + '{"id": "j9"}\n', encoding="utf-8")
    return run_match(js, env.vacancies_file, out, taxonomy=env.tx, progress=False, resume=True)


# === recommendations ======================================================================================

RC = "recommend: plan_for / find_routes / transitions / unlocks_for"
for _id, _bad, _options, _match in [
    ("k-zero", "`k=0`", {"k": 0}, "plan_training field 'k': expected an integer >= 1, got 0"),
    ("k-true", "`k=True`", {"k": True}, "plan_training field 'k': expected an integer >= 1, got True"),
    ("partial", "`partial='no'`", {"partial": "no"}, "plan_training field 'partial': expected True or False"),
    ("time-limit", "`time_limit=-1`", {"time_limit": -1}, "plan_training field 'time_limit': expected a number > 0"),
    ("minimise", "`minimise='time'`", {"minimise": "time"}, "plan_training field 'minimise': expected one of 'eur'"),
    ("today", "`today='2025-01-01'` (text, not a date)", {"today": "2025-01-01"},
     "plan_training field 'today': expected a date, or None, got str"),
    ("completed-string", "`completed='urn:x'` (one string)", {"completed": "urn:x"},
     "completed: expected a list of module ids, got one string 'urn:x'"),
    ("completed-unknown", "a completed module that does not exist", {"completed": ["urn:x"]},
     "completed: module 'urn:x' is not in the catalogue"),
    ("unknown-target", "an unknown target occupation", {"target": "urn:nope"},
     "target field 'target': occupation 'urn:nope' is not in the taxonomy"),
    ("target-none", "`target=None`", {"target": None},
     "plan_for field 'target': expected an occupation id or a Vacancy"),
    ("target-int", "`target=5`", {"target": 5}, "plan_for field 'target': expected an occupation id or a Vacancy"),
    ("constraint-unknown", "an unknown constraint", {"constraints": {"money": 5}},
     "constraints field 'money': unknown constraint 'money'"),
    ("budget-nan", "`budget_eur=nan`", {"constraints": {"budget_eur": math.nan}},
     "constraints field 'budget_eur': expected a number >= 0, or None, got nan"),
    ("budget-true", "`budget_eur=True`", {"constraints": {"budget_eur": True}},
     "constraints field 'budget_eur': expected a number >= 0, or None, got True"),
    ("budget-text", "`budget_eur='5000'`", {"constraints": {"budget_eur": "5000"}},
     "constraints field 'budget_eur': expected a number >= 0, or None, got '5000'"),
    ("delivery-string", "`delivery='online'` (one string)", {"constraints": {"delivery": "online"}},
     "constraints field 'delivery': expected a list of delivery forms (not one string)"),
    ("delivery-unknown", "delivery form `telepathy`", {"constraints": {"delivery": ("telepathy",)}},
     "constraints field 'delivery': unknown delivery form 'telepathy'"),
    ("study-hours", "`study_hours_per_week=0`", {"constraints": {"study_hours_per_week": 0}},
     "constraints field 'study_hours_per_week': expected a number > 0, got 0"),
    ("language-level", "language level `D1`", {"constraints": {"language_level": "D1"}},
     "constraints field 'language_level': expected a CEFR level"),
    ("region", "region `atlantis`", {"constraints": {"region": "atlantis"}},
     "constraints field 'region': region 'atlantis' is not an arbeidsmarktregio"),
    ("catalogue", "a string where the Catalogue goes", {"catalogue": "catalogue"},
     "plan_for field 'catalogue': expected a Catalogue, or None, got str"),
    ("jobseeker-dict", "a dict where the Jobseeker goes", {"jobseeker": {"id": "j1", "naam": "Jan"}},
     "plan_for field 'jobseeker': expected a Jobseeker, got dict"),
    ("unknown-skill", "a jobseeker with an unknown skill", {"jobseeker": Jobseeker(id="x", skills=[
        SkillClaim(skill="urn:nope")])}, "jobseeker record 'x' field 'skills[0].skill': concept 'urn:nope'"),
]:
    case(f"plan-{_id}", RC, f"`plan_for`: {_bad}", "InputError", _match, lambda env, o=_options: plan(env, **dict(o)),
         absent="Jan")
for _id, _bad, _options, _match in [
    ("k-zero", "`k=0`", {"sector": "zorg-welzijn", "k": 0}, "find_routes field 'k': expected an integer >= 1, got 0"),
    ("k-true", "`k=True`", {"sector": "zorg-welzijn", "k": True}, "find_routes field 'k': expected an integer >= 1"),
    ("two-targets", "both an occupation and a sector", {"sector": "zorg-welzijn", "occupation": "x"},
     "find_routes field 'sector': give exactly one target"),
    ("no-target", "no target", {}, "find_routes field 'occupation': give exactly one target"),
    ("threshold", "`threshold=2`", {"sector": "zorg-welzijn", "threshold": 2},
     "find_routes field 'threshold': expected a number from 0 to 1, or None, got 2"),
    ("sector", "sector `space`", {"sector": "space"}, "find_routes field 'sector': sector 'space' is not a sector"),
    ("occupation", "an unknown occupation", {"occupation": "urn:nope"},
     "find_routes field 'occupation': occupation 'urn:nope' is not in the taxonomy"),
    ("max-steps", "`max_steps=0`", {"sector": "zorg-welzijn", "max_steps": 0}, "find_routes field 'max_steps'"),
    ("constraints", "`constraints=5`", {"sector": "zorg-welzijn", "constraints": 5},
     "find_routes field 'constraints': expected a PlanConstraints, a dict of its fields, or None, got 5"),
    ("graph", "a string where the graph goes", {"sector": "zorg-welzijn", "graph": "graph"},
     "find_routes field 'graph': expected a RouteGraph or a Taxonomy, got str"),
]:
    case(f"routes-{_id}", RC, f"`find_routes`: {_bad}", "InputError", _match,
         lambda env, o=_options: routes(env, **dict(o)))
case("routes-start-unknown", RC, "`find_routes` from an unknown occupation", "InputError",
     "find_routes field 'start': occupation 'urn:nope' is not in the taxonomy",
     lambda env: routes(env, "urn:nope", sector="zorg-welzijn"))
case("routes-start-is-target", RC, "`find_routes` to where the start already is", "InputError",
     "find_routes field 'occupation': the start already is", lambda env: routes(env, env.care[0],
                                                                                occupation=env.care[0]))
case("transitions-no-occupation", RC, "`transitions` for a jobseeker without an occupation", "InputError",
     "jobseeker record 'x' field 'occupation': transitions start from work", lambda env: moves(env, Jobseeker(id="x")))
case("transitions-crucial", RC, "`transitions` from a crucial sector", "InputError",
     "transitions field 'worker':", lambda env: moves(env, env.care[0]))
case("transitions-order", RC, "`transitions(order='random')`", "InputError",
     "transitions field 'order': expected one of 'effort', 'similarity', got 'random'",
     lambda env: moves(env, order="random"))
case("transitions-from-crucial", RC, "`transitions(from_crucial='yes')`", "InputError",
     "transitions field 'from_crucial': expected True or False, got 'yes'", lambda env: moves(env, from_crucial="yes"))
case("transitions-k", RC, "`transitions(k=-1)`", "InputError",
     "transitions field 'k': expected an integer >= 1, got -1",
     lambda env: moves(env, k=-1))
case("transitions-unknown", RC, "`transitions` from an unknown occupation", "InputError",
     "transitions field 'worker': occupation 'urn:nope' is not in the taxonomy", lambda env: moves(env, "urn:nope"))
for _id, _bad, _options, _match in [
    ("unfitted", "an unfitted matcher", {"matcher": Matcher}, "unlock field 'matcher': the matcher is not fitted"),
    ("k-zero", "`k=0`", {"k": 0}, "unlock field 'k': expected an integer >= 1, got 0"),
    ("k-true", "`k=True`", {"k": True}, "unlock field 'k': expected an integer >= 1, got True"),
    ("threshold-zero", "`threshold=0`", {"threshold": 0}, "unlock field 'threshold': expected a number above 0 to 1, or None, got 0"),
    ("threshold-nan", "`threshold=nan`", {"threshold": math.nan},
     "unlock field 'threshold': expected a number above 0 to 1, or None, got nan"),
    ("pool", "`pool=1`", {"pool": 1}, "unlock field 'pool': expected an integer >= 2, got 1"),
    ("threads", "`n_threads=0`", {"n_threads": 0}, "unlock field 'n_threads': expected an integer from 1 to 4096"),
    ("completed-string", "`completed='urn:x'` (one string)", {"completed": "urn:x"},
     "unlock field 'completed': expected a list of module ids, got one string"),
    ("constraints-dict", "a dict of constraints", {"constraints": {"budget_eur": 5}},
     "unlock field 'constraints': expected PlanConstraints, or None, got dict"),
    ("jobseeker", "a string where the Jobseeker goes", {"jobseeker": "j1"},
     "unlock field 'jobseeker': expected a Jobseeker, got str"),
]:
    case(f"unlock-{_id}", RC, f"`unlocks_for`: {_bad}", "InputError", _match,
         lambda env, o=_options: unlocks(env, **{k: (Matcher(env.tx) if v is Matcher else v) for k, v in o.items()}))
case("unlock-fitted-on-people", RC, "`unlocks_for` with a matcher fitted on people", "InputError",
     "unlock field 'matcher': expected a matcher fitted on vacancies or occupations",
     lambda env: unlocks(env, matcher=Matcher(env.tx).fit([env.me])))


RG = "recommend: gap_for / RouteGraph / regional_analysis / Catalogue / Exemptions"
case("gap-unknown-target", RG, "`gap_for` an unknown occupation", "InputError",
     "target field 'target': occupation 'urn:nope' is not in the taxonomy",
     lambda env: _gap(env, "urn:nope"))
case("gap-weights", RG, "`gap_for(weights=(1, 2))`", "InputError",
     "gap_from_arrays: weights must be three positive numbers", lambda env: _gap(env, weights=(1, 2)))
case("gap-effective-range", RG, "`gap_for(effective=...)` with a concept index past the end", "InputError",
     "gap_for record 'j1' field 'effective': expected concept indices from 0 to 230, found 1000000",
     lambda env: _gap(env, effective=(np.array([10**6]), np.array([3.0]))))
case("gap-effective-nan", RG, "`gap_for(effective=...)` with a NaN level", "InputError",
     "held_levels must be finite levels from 0 to 5", lambda env: _gap(env, effective=(np.array([0]), np.array([np.nan]))))
case("graph-neighbours", RG, "`RouteGraph.build(max_neighbours=0)`", "InputError",
     "RouteGraph field 'max_neighbours': expected an integer >= 1, got 0",
     lambda env: _graph(env, max_neighbours=0))
case("graph-catalogue", RG, "`RouteGraph.build(catalogue='x')`", "InputError",
     "RouteGraph field 'catalogue': expected a Catalogue, or None, got str", lambda env: _graph(env, catalogue="x"))
case("regional-modules", RG, "`regional_analysis(k_modules=True)`", "InputError",
     "regional_analysis field 'k_modules': expected an integer >= 1, got True", lambda env: _regional(env, k_modules=True))
case("regional-region", RG, "`regional_analysis(region='atlantis')`", "InputError",
     "regional_analysis field 'region': region 'atlantis' is not an arbeidsmarktregio",
     lambda env: _regional(env, region="atlantis"))
case("regional-no-people", RG, "`regional_analysis` of zero jobseekers", "InputError", "jobseekers: no Jobseeker records",
     lambda env: _regional(env, people=[]))
case("catalogue-taxonomy", RG, "`Catalogue.from_taxonomy('tx')`", "InputError",
     "Catalogue.from_taxonomy field 'taxonomy': expected a skillmatch Taxonomy, got str",
     lambda env: _catalogue_of("tx"))
case("exemptions-cap", RG, "`Exemptions(cap=True)`", "InputError",
     "exemptions field 'cap': expected a number from 0 to 1, got True", lambda env: _exemptions(cap=True))
case("exemptions-reduce-cost", RG, "`Exemptions(reduce_cost='no')`", "InputError",
     "exemptions field 'reduce_cost': expected True or False, got 'no'", lambda env: _exemptions(reduce_cost="no"))


def _gap(env: Env, target: str | None = None, **options: Any) -> Any:
    from skillmatch.recommend import gap_for

    return gap_for(env.tx, env.me, target or env.care[0], **options)


def _graph(env: Env, **options: Any) -> Any:
    from skillmatch.recommend import RouteGraph

    return RouteGraph.build(env.tx, **options)


def _generate_twice(env: Env) -> Any:
    """A folder that already holds a (real) jobseekers.jsonl: generate must leave it alone."""
    folder = env.folder()
    (folder / "jobseekers.jsonl").write_text('{"id": "real"}\n', encoding="utf-8")
    return cli("generate", "--jobseekers", "5", "--vacancies", "5", "--out", folder)


def _regional(env: Env, people: list[Any] | None = None, **options: Any) -> Any:
    from skillmatch.recommend import regional_analysis

    return regional_analysis(env.tx, [env.me] if people is None else people, env.vacancies, **options)


def _catalogue_of(taxonomy: Any) -> Any:
    from skillmatch.recommend import Catalogue

    return Catalogue.from_taxonomy(taxonomy)


def _exemptions(**options: Any) -> Any:
    from skillmatch.recommend import Exemptions

    return Exemptions(**options)


# === audit and allocation ================================================================================

AU = "audit (API, group labels)"
for _id, _bad, _options, _match in [
    ("side", "`side='both'`", {"side": "both"}, "audit field 'side': expected one of 'auto', 'queries', 'candidates'"),
    ("threshold", "`threshold=-1`", {"threshold": -1}, "audit field 'threshold': expected a number >= 0, or None"),
    ("threshold-true", "`threshold=True`", {"threshold": True}, "audit field 'threshold'"),
    ("four-fifths", "`four_fifths=0`", {"four_fifths": 0}, "audit field 'four_fifths': expected a number above 0 to 1"),
    ("nan-score", "a NaN score", {"scores": np.array([[np.nan, 0.5], [0.7, -np.inf]], np.float32)},
     "results field 'scores': row 0, rank 1: expected a finite score, found nan"),
    ("index-range", "a candidate index past the end", {"indices": np.array([[0, 5], [1, -1]])},
     "results field 'indices': expected -1 (padding) or a candidate from 0 to 1, found 5 at row 0, rank 2"),
    ("listed-twice", "one candidate twice in a row", {"indices": np.array([[0, 0], [1, -1]])},
     "results field 'indices': row 0: a candidate is listed twice"),
    ("shapes", "indices and scores of different shapes", {"scores": S[:1]},
     "results field 'indices, scores': expected two arrays of the same shape"),
    ("float-indices", "indices as floats", {"indices": I.astype(float)}, "results field 'indices': expected integers"),
    ("duplicate-ids", "a query id twice", {"query_ids": ["j1", "j1"]}, "results record 'j1' field 'query_ids'"),
    ("id-count", "fewer ids than rows", {"query_ids": ["j1"]}, "results field 'query_ids': expected 2 ids"),
    ("empty", "empty results", {"indices": np.zeros((0, 0), int), "scores": np.zeros((0, 0)), "query_ids": []},
     "results: the results are empty"),
    ("unknown-label", "a group label for an id not in the results", {"groups": {"j9": "a"}},
     "groups record 'j9' field 'id': id 'j9' is not among the queries"),
    ("capacities", "a negative capacity", {"capacities": [1, -1]},
     "audit field 'capacities': expected numbers of positions >= 0, found -1 for candidate 'v2'"),
    ("capacities-count", "one capacity for two candidates", {"capacities": [1]},
     "audit field 'capacities': expected 2 integers"),
    ("expected-group", "an expected group without members", {"groups": {"j1": "a", "j2": "b"},
                                                               "expected_groups": ["a", "b", "c"]},
     "groups field 'group': group 'c' has no members"),
]:
    case(f"audit-{_id}", AU, _bad, "InputError", _match, lambda env, o=_options: audit(**o))
for _id, _bad, _content, _match in [
    ("duplicate", "an id listed twice", "id,group\nj1,a\nj1,b\n", "groups.csv line 3 record 'j1' field 'id'"),
    ("column", "no `group` column", "id,grp\nj1,a\n", "groups.csv line 1 field 'group': missing column 'group'"),
    ("latin1", "a Latin-1 file", "id,group\nj1,männ\n".encode("latin-1"), "groups.csv line 2: not valid UTF-8"),
    ("utf16", "a UTF-16 file", "id,group\nj1,a\n".encode("utf-16"), "groups.csv line 1: the file is UTF-16"),
    ("stray-quote", "a stray quote", 'id,group\nj1,"a\nj2,b\n', "groups.csv line 2: a quoted value runs from line 2"),
    ("empty-group", "an empty group", "id,group\nj1,\n",
     "groups.csv line 2 record 'j1' field 'group': the group is empty"),
    ("empty-file", "an empty file", "", "groups.csv line 1: the file is empty"),
]:
    case(f"groups-{_id}", AU, f"group labels: {_bad}", "InputError", _match, lambda env, c=_content: groups(env, c))

AL = "allocate_caseload / read_results"
for _id, _bad, _options, _match in [
    ("min-score-nan", "`min_score=nan`", {"min_score": math.nan},
     "allocate field 'min_score': expected a number, got nan"),
    ("min-score-text", "`min_score='0.5'`", {"min_score": "0.5"}, "allocate field 'min_score': expected a number"),
    ("min-score-none", "`min_score=None`", {"min_score": None},
     "allocate field 'min_score': expected a number, got None"),
    ("methods-string", "`methods='optimal'` (one string)", {"methods": "optimal"},
     "methods: expected 'optimal' and/or 'stable' in a list or tuple, got 'optimal'"),
    ("methods-empty", "`methods=()`", {"methods": ()}, "methods: expected 'optimal' and/or 'stable'"),
    ("methods-unknown", "`methods=('greedy',)`", {"methods": ("greedy",)},
     "methods: expected 'optimal' and/or 'stable'"),
    ("capacities", "a negative capacity", {"capacities": np.array([1, -1])},
     "capacities: expected non-negative numbers of positions, found -1 at vacancy 1"),
    ("capacities-float", "capacities as floats", {"capacities": np.array([1.0, 1.0])},
     "capacities: expected a 1-d array of integers"),
    ("nan-score", "a NaN score", {"scores": np.array([[np.nan, 0.5], [0.7, -np.inf]])},
     "scores row 0: expected numbers for the listed vacancies, found NaN"),
]:
    case(f"allocate-{_id}", AL, _bad, "InputError", _match, lambda env, o=_options: allocate(**o))
for _id, _bad, _row, _match in [
    ("score-nan", "a score `nan`", "j1,1,v1,nan",
     "results.csv line 2 record 'j1' field 'score': expected a finite number"),
    ("rank-zero", "rank 0", "j1,0,v1,0.5",
     "results.csv line 2 record 'j1' field 'rank': expected a rank counted from 1"),
    ("rank-text", "rank `x`", "j1,x,v1,0.5", "results.csv line 2 record 'j1' field 'rank'"),
    ("no-candidate", "an empty candidate", "j1,1,,0.5", "results.csv line 2 record 'j1' field 'candidate'"),
]:
    case(f"results-{_id}", AL, f"a results row with {_bad}", "skip", _match,
         lambda env, r=_row: results(env, f"query,rank,candidate,score\n{r}\nj2,1,v1,0.5\n"))
case("results-rank-twice", AL, "a rank given twice for one query", "skip",
     "results.csv line 3 record 'j1' field 'rank': rank 1 of query 'j1' appears twice",
     lambda env: results(env, "query,rank,candidate,score\nj1,1,v1,0.5\nj1,1,v2,0.4\n"))
case("results-missing-column", AL, "a results file without `score`", "InputError",
     "results.csv line 1: missing required column(s) ['score']",
     lambda env: results(env, "query,rank,candidate\nj1,1,v1\n"))
case("results-gzip", AL, "a results .csv.gz that is not gzip", "InputError", "results.csv.gz: cannot be read",
     lambda env: read_results_of(env.file("results.csv.gz", "query,rank,candidate,score\n")))


WR = "batch writers (write_results, ErrorWriter)"
case("write-results-dev-null", WR, "`write_results('/dev/null/x.csv', ...)`", "InputError",
     "/dev/null/x.csv: cannot write the file here: /dev/null is not a folder",
     lambda env: _write_results("/dev/null/x.csv"))
case("write-results-nan", WR, "a NaN score", "InputError", "scores[0, 0]: expected a finite score for candidate 0",
     lambda env: _write_results(env.folder() / "r.csv", scores=np.array([[np.nan]], np.float32)))
case("write-results-shape", WR, "indices and scores of different shapes", "InputError",
     "indices and scores: expected two arrays of the same shape (n, k)",
     lambda env: _write_results(env.folder() / "r.csv", indices=np.array([[0, 1]])))
case("error-writer-dev-null", WR, "an errors file under /dev/null", "InputError",
     "/dev/null/e.jsonl: cannot write the file here", lambda env: _error_writer("/dev/null/e.jsonl"))


def _write_results(path: str | Path, indices: Any = None, scores: Any = None) -> Any:
    from skillmatch.batch import write_results

    return write_results(path, np.array([[0]]) if indices is None else indices,
                         np.array([[0.5]], np.float32) if scores is None else scores, ["j1"], ["v1"])


def _error_writer(path: str) -> Any:
    from skillmatch.batch import ErrorWriter

    return ErrorWriter(path)


def read_results_of(path: Path) -> Any:
    from skillmatch.batch import read_results

    return [r for chunk in read_results(path) for r in chunk.records]


# === the command line ======================================================================================

CL = "CLI"
case("cli-validate-root", "CLI validate", "`skillmatch validate /`", "cli-report",
     "/: not a taxonomy skillmatch can read",
     lambda env: cli("validate", "/"))
case("cli-validate-latin1", "CLI validate", "a Latin-1 occupations.csv", "cli-report",
     "occupations.csv line 2: byte eb at column",
     lambda env: cli("validate", (t := env.copy()).put("occupations.csv", t.text("occupations.csv").encode(
         "latin-1", "replace")).path))
case("cli-validate-level", "CLI validate", "a requirement level `nan`", "cli-report",
     "requirements.csv line 2 field 'level': expected a level from 1 to 5, found nan",
     lambda env: cli("validate", env.copy().set("requirements.csv", 2, "level", "nan").path))
case("cli-info-root", "CLI info", "`skillmatch info /`", "cli", "skillmatch info: /: not a taxonomy",
     lambda env: cli("info", "/"))
case("cli-info-missing", "CLI info", "a path that does not exist", "cli", "nope: no such file or folder",
     lambda env: cli("info", env.folder() / "nope"))
case("cli-demo-dev-null", "CLI demo", "`--out /dev/null/x`", "cli",
     "skillmatch demo: /dev/null/x field 'out': cannot write the results here: /dev/null is not a folder",
     lambda env: demo_cli(env, "--out", "/dev/null/x"))
case("cli-demo-dev-null-process", "CLI demo", "`--out /dev/null/x`, as a real process", "cli",
     "cannot write the results here", lambda env: Cli(demo_cli(env, "--out", "/dev/null/x").argv, process=True))
case("cli-demo-user-folder", "CLI demo", "`--out` a folder holding the user's own files", "cli",
     "field 'out': the folder holds files the demo did not write ('notes.txt')",
     lambda env: demo_cli(env, "--out", user_folder(env)))
case("cli-demo-out-file", "CLI demo", "`--out` an existing file", "cli", "is a file; expected a folder",
     lambda env: demo_cli(env, "--out", env.jobseekers_file))
case("cli-demo-seed", "CLI demo", "`--seed -1`", "cli",
     "skillmatch demo: seed: expected a non-negative integer, got -1",
     lambda env: demo_cli(env, "--seed", "-1", "--out", env.folder() / "d"))
case("cli-demo-zero", "CLI demo", "`--jobseekers 0`", "cli", "n_jobseekers: expected a positive integer, got 0",
     lambda env: cli("demo", "--jobseekers", "0", "--out", env.folder() / "d"))
case("cli-demo-k", "CLI demo", "`-k 0`", "cli", "match field 'k': expected an integer >= 1, got 0",
     lambda env: demo_cli(env, "-k", "0", "--out", env.folder() / "d"))
case("cli-demo-region", "CLI demo", "`--region atlantis`", "cli", "region 'atlantis' is not in the taxonomy",
     lambda env: demo_cli(env, "--region", "atlantis", "--out", env.folder() / "d"))
case("cli-demo-seed-text", "CLI demo", "`--seed 2**70` (not a number)", "cli-usage",
     "argument --seed: invalid int value: '2**70'", lambda env: cli("demo", "--seed", "2**70"))
case("cli-demo-taxonomy", "CLI demo", "`--taxonomy` that does not exist", "cli", "nope: no such file or folder",
     lambda env: demo_cli(env, "--taxonomy", env.folder() / "nope"))
case("cli-generate-seed", "CLI generate", "`--seed -1`", "cli", "seed: expected a non-negative integer, got -1",
     lambda env: cli("generate", "--seed", "-1", "--jobseekers", "5", "--vacancies", "5", "--out", env.folder() / "g"))
case("cli-generate-dev-null", "CLI generate", "`--out /dev/null/x`", "cli",
     "/dev/null/x/jobseekers.jsonl: cannot write the file here: /dev/null is not a folder",
     lambda env: cli("generate", "--jobseekers", "5", "--vacancies", "5", "--out", "/dev/null/x"))
case("cli-generate-exists", "CLI generate", "`--out` holding a jobseekers.jsonl already (not replaced)", "cli",
     "jobseekers.jsonl exists: a generated caseload does not replace it unless asked",
     lambda env: _generate_twice(env))
case("cli-match-missing", "CLI match", "a jobseekers file that does not exist", "cli",
     "nope.jsonl: no such file", lambda env: match_cli(env, jobseekers=env.folder() / "nope.jsonl"))
case("cli-match-dev-null", "CLI match", "`--out /dev/null/x.csv`", "cli",
     "/dev/null/x.csv field 'out': cannot write the file here", lambda env: match_cli(env, out="/dev/null/x.csv"))
case("cli-match-errors-dev-null", "CLI match", "`--errors /dev/null/e.jsonl`", "cli",
     "/dev/null/e.jsonl field 'errors_path': cannot write the file here", lambda env: match_cli(
         env, "--errors", "/dev/null/e.jsonl"))
case("cli-match-xlsx", "CLI match", "`--out m.xlsx`", "cli", "m.xlsx: cannot tell the format from the file name",
     lambda env: match_cli(env, out=env.folder() / "m.xlsx"))
case("cli-match-k", "CLI match", "`-k 0`", "cli", "run_match field 'k': expected an integer >= 1, got 0",
     lambda env: match_cli(env, "-k", "0"))
case("cli-match-chunk", "CLI match", "`--chunk-size -1`", "cli", "run_match field 'chunk_size'",
     lambda env: match_cli(env, "--chunk-size", "-1"))
case("cli-match-scoring", "CLI match", "`--scoring best`", "cli", "Matcher field 'scoring': expected one of",
     lambda env: match_cli(env, "--scoring", "best"))
case("cli-match-penalty", "CLI match", "`--essential-penalty nan`", "cli", "Matcher field 'essential_penalty'",
     lambda env: match_cli(env, "--essential-penalty", "nan"))
case("cli-match-threads", "CLI match", "`--threads 0`", "cli", "run_match field 'n_threads'",
     lambda env: match_cli(env, "--threads", "0"))
case("cli-match-dask", "CLI match", "`--dask nowhere`", "cli", "run_match field 'dask'",
     lambda env: match_cli(env, "--dask", "nowhere"))
case("cli-match-taxonomy-root", "CLI match", "`--taxonomy /`", "cli", "/: not a taxonomy skillmatch can read",
     lambda env: match_cli(env, "--taxonomy", "/"))
case("cli-match-no-vacancies", "CLI match", "an empty vacancies file (zero vacancies)", "cli",
     "no valid vacancies to match against", lambda env: match_cli(env, vacancies=env.empty_file))
case("cli-match-out-is-input", "CLI match", "`--out` the jobseekers file", "cli", "is the jobseekers file",
     lambda env: match_cli(env, out=env.jobseekers_file))
case("cli-match-direction", "CLI match", "`--direction sideways`", "cli-usage", "argument --direction: invalid choice",
     lambda env: match_cli(env, "--direction", "sideways"))
case("cli-allocate-min-score", "CLI allocate", "`--min-score nan`", "cli",
     "allocate field 'min_score': expected a number, got nan",
     lambda env: cli("allocate", "--results", env.results_file, "--vacancies", env.vacancies_file, "--out",
                     env.folder() / "a.csv", "--min-score", "nan"))
case("cli-allocate-methods", "CLI allocate", "`--methods greedy`", "cli",
     "--methods: expected 'optimal', 'stable' or 'optimal,stable', got 'greedy'",
     lambda env: cli("allocate", "--results", env.results_file, "--vacancies", env.vacancies_file, "--out",
                     env.folder() / "a.csv", "--methods", "greedy"))
case("cli-allocate-dev-null", "CLI allocate", "`--out /dev/null/a.csv`", "cli",
     "/dev/null/a.csv: cannot write the file here: /dev/null is not a folder",
     lambda env: cli("allocate", "--results", env.results_file, "--vacancies", env.vacancies_file, "--out",
                     "/dev/null/a.csv"))
case("cli-allocate-no-vacancies", "CLI allocate", "an empty vacancies file", "cli", "no valid vacancies to allocate",
     lambda env: cli("allocate", "--results", env.results_file, "--vacancies", env.empty_file, "--out",
                     env.folder() / "a.csv"))
case("cli-allocate-missing", "CLI allocate", "a results file that does not exist", "cli", "nope.csv: no such file",
     lambda env: cli("allocate", "--results", env.folder() / "nope.csv", "--vacancies", env.vacancies_file, "--out",
                     env.folder() / "a.csv"))
case("cli-recommend-limit-zero", "CLI recommend", "`--limit 0`", "cli",
     "skillmatch recommend field 'limit': expected an integer >= 1, got 0",
     lambda env: cli("recommend", "--jobseekers", env.jobseekers_file, "--limit", "0"))
case("cli-recommend-limit-negative", "CLI recommend", "`--limit -1` (once: everyone but the last)", "cli",
     "skillmatch recommend field 'limit': expected an integer >= 1, got -1",
     lambda env: cli("recommend", "--jobseekers", env.jobseekers_file, "--limit", "-1"))
case("cli-recommend-k", "CLI recommend", "`-k 0`", "cli", "advise field 'k': expected an integer >= 1, got 0",
     lambda env: cli("recommend", "--jobseekers", env.jobseekers_file, "-k", "0"))
case("cli-recommend-person", "CLI recommend", "`--person nobody`", "cli", "no jobseeker with id 'nobody'",
     lambda env: cli("recommend", "--jobseekers", env.jobseekers_file, "--person", "nobody"))
case("cli-recommend-target", "CLI recommend", "`--target urn:nope`", "cli",
     "target: 'urn:nope' is neither an occupation of the taxonomy nor one of the vacancies",
     lambda env: cli("recommend", "--jobseekers", env.jobseekers_file, "--target", "urn:nope", "--no-unlocks"))
case("cli-recommend-sector", "CLI recommend", "`--sector space`", "cli", "sector: 'space' is not one of the taxonomy's",
     lambda env: cli("recommend", "--jobseekers", env.jobseekers_file, "--sector", "space"))
case("cli-recommend-empty", "CLI recommend", "an empty jobseekers file", "cli",
     "empty.jsonl: no valid jobseekers records",
     lambda env: cli("recommend", "--jobseekers", env.empty_file))
case("cli-paths-k", "CLI paths", "`-k 0`", "cli", "advise field 'k': expected an integer >= 1, got 0",
     lambda env: cli("paths", "--jobseekers", env.jobseekers_file, "-k", "0"))
case("cli-paths-sector", "CLI paths", "`--sector space`", "cli", "find_routes field 'sector': sector 'space'",
     lambda env: cli("paths", "--jobseekers", env.jobseekers_file, "--sector", "space"))
case("cli-report-dev-null", "CLI report", "`--out /dev/null/r`", "cli", "/dev/null/r field 'out_dir'",
     lambda env: cli("report", "--jobseekers", env.jobseekers_file, "--vacancies", env.vacancies_file, "--out",
                     "/dev/null/r"))
case("cli-report-region", "CLI report", "`--region atlantis`", "cli", "regional_analysis field 'region'",
     lambda env: cli("report", "--jobseekers", env.jobseekers_file, "--vacancies", env.vacancies_file, "--out",
                     env.folder() / "r", "--region", "atlantis"))
case("cli-report-modules", "CLI report", "`--modules -1`", "cli", "regional_analysis field 'k_modules'",
     lambda env: cli("report", "--jobseekers", env.jobseekers_file, "--vacancies", env.vacancies_file, "--out",
                     env.folder() / "r", "--modules", "-1"))
case("cli-audit-threshold", "CLI audit", "`--threshold nan`", "cli", "audit field 'threshold'",
     lambda env: cli("audit", "--results", env.results_file, "--threshold", "nan"))
case("cli-audit-groups-missing", "CLI audit", "`--groups` a file that does not exist", "cli", "nope.csv: no such file",
     lambda env: cli("audit", "--results", env.results_file, "--groups", env.folder() / "nope.csv"))
case("cli-audit-empty", "CLI audit", "empty results", "cli", "the results are empty",
     lambda env: cli("audit", "--results", env.empty_file))
case("cli-resolve-limit", "CLI resolve", "`--limit 0`", "cli", "resolve field 'limit': expected an integer >= 1, got 0",
     lambda env: cli("resolve", "--limit", "0", "zorg"))
case("cli-schema-unknown", "CLI schema", "`skillmatch schema nope`", "cli-usage", "unknown record type 'nope'",
     lambda env: cli("schema", "nope"))
case("cli-unknown-command", "CLI", "`skillmatch frobnicate`", "cli-usage", "invalid choice: 'frobnicate'",
     lambda env: cli("frobnicate"))


# === the test ================================================================================================


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> Env:
    return Env(tmp_path_factory)


def run_cli(command: Cli, capsys) -> tuple[int, str, str]:
    from skillmatch.cli import main

    if command.process:
        done = subprocess.run([sys.executable, "-m", "skillmatch", *command.argv], capture_output=True, text=True,
                              timeout=120, cwd=REPO)
        return done.returncode, done.stdout, done.stderr
    capsys.readouterr()
    try:
        code = main(command.argv)
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return code, out, err


def errors_file(reported: Reported) -> list[tuple[str, dict[str, Any]]]:
    """Each line of an errors file, as the problem reads (``file line N record 'r' field 'f': reason``) and as data."""
    from skillmatch.problems import Problem

    out = []
    for line in reported.errors.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        problem = Problem(r["reason"], where=r["file"], line=r["line"], record=r["record"], field=r["field"],
                          value=r["value"], severity=r["severity"])
        out.append((str(problem), r))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, env: Env, capsys) -> None:
    kind, match = case.kind, case.match
    if kind in ("InputError", "TaxonomyError", "ValidationError"):
        expected = {"InputError": InputError, "TaxonomyError": TaxonomyError, "ValidationError": ValidationError}[kind]
        with pytest.raises(expected) as info:
            case.run(env)
        message = str(info.value)
        assert match in message, message
        assert not case.absent or case.absent not in message, message
        return
    outcome = case.run(env)
    if kind in ("skip", "warning"):
        assert isinstance(outcome, Reported)
        lines = errors_file(outcome)
        severity = "error" if kind == "skip" else "warning"
        hits = [r for text, r in lines if match in text and r["severity"] == severity]
        assert hits, f"{match!r} ({severity}) not in the errors file:\n" + "\n".join(text for text, _ in lines)
        assert hits[0]["file"] and hits[0]["reason"], hits[0]
        assert (outcome.rejected if kind == "skip" else outcome.warnings) >= 1, "the summary counts it"
    elif kind == "rebuilt":
        notes = [str(p) for p in outcome.problems if p.severity == "warning"]
        assert any(match in n for n in notes), notes
    elif kind == "capped":
        got, expected = outcome
        assert got == expected and match in str(got)
    else:
        assert isinstance(outcome, Cli)
        code, out, err = run_cli(outcome, capsys)
        assert "Traceback" not in out + err and "internal error" not in err, err
        if kind == "cli":
            assert code == 1, (code, out, err)
            assert len(err.strip().splitlines()) == 1, err
            assert match in err, err
        elif kind == "cli-report":
            assert code == 1, (code, out, err)
            assert match in out, out
        else:  # cli-usage
            assert code == 2, (code, out, err)
            assert match in err, err


# === the doc ======================================================================================================

INTRO = f"""# Bad input: the catalogue

Every public entry point of skillmatch — the Python API, the command line, every file
reader and the compiled-taxonomy cache — was given bad input on purpose. This page lists
each case and what the user gets. Each row is a case of `tests/test_bad_input.py`
(`test_bad_input[<test id>]`), which runs it and checks the outcome: the verdict, and the
piece of the message shown after it, which names the file, line, record, field or
parameter. For the batch verdicts the piece is the errors-file line as it reads
(`file line N record 'id' field 'name': reason`); the line also holds the value, except
for personal fields.

No row's verdict is a traceback, a crash or silent acceptance. The verdicts:

| verdict | what it means |
|---|---|
| `InputError` | `skillmatch.InputError` (a `ValueError`), raised before any work, listing every problem with its place; parameters are checked against the declared tables (`skillmatch.params`) |
| `TaxonomyError` | the taxonomy could not be loaded: an `InputError` naming the file and line (a damaged or tampered compiled folder: `DamagedTaxonomyError`, checked by its content hash) |
| pydantic `ValidationError` | a record built in Python (`Jobseeker(...)`, `Vacancy(...)`) with a wrong field: the message names the field |
| reported skip (errors file + count) | a batch reader or run leaves the record out, writes it to the errors file with file, line, record, field and reason, and counts it in its summary (`rejected`) |
| reported warning (errors file + count) | the record is kept (or the file had none), and a warning goes to the errors file and the summary's count |
| cache rebuilt, warning in `taxonomy.problems` | a cache entry that fails its content hash is rebuilt from the source; the taxonomy carries a warning saying so |
| documented cap at the number of candidates | `k` above the number of candidates returns them all, without allocating for `k` |
| CLI: one line on stderr, exit 1 | `skillmatch …` prints one line (`skillmatch <command>: <place>: <problem>`) and exits 1; `--debug` shows the traceback |
| CLI: every problem on stdout, exit 1 | `skillmatch validate` lists every problem of a taxonomy with file and line, then exits 1 |
| CLI usage error, exit 2 | argparse's usage message for an option it cannot parse, exit 2 |

The table is generated from the test module and checked against it by
`test_the_doc_is_the_catalogue`; after changing a case, run `{REGENERATE}`.

"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_doc(cases: list[Case] = CASES) -> str:
    """docs/bad-input.md: the intro, and one row per case."""
    rows = ["| # | entry point | bad input | what the user gets | test id |", "|---|---|---|---|---|"]
    for n, c in enumerate(cases, 1):
        shown = " ".join(c.match.split())
        rows.append(f"| {n} | {_cell(c.entry)} | {_cell(c.bad)} | {VERDICTS[c.kind]}: `{_cell(shown)}` | `{c.id}` |")
    entries = sorted({c.entry for c in cases})
    tail = (f"\n{len(cases)} cases over {len(entries)} entry points: {', '.join(entries)}.\n")
    return INTRO + "\n".join(rows) + "\n" + tail


def test_the_catalogue_is_a_catalogue() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    assert len(CASES) >= 150
    assert {c.kind for c in CASES} <= set(VERDICTS)
    assert all(c.match for c in CASES)


def test_the_doc_is_the_catalogue() -> None:
    assert DOC.is_file(), f"{DOC} is missing; run {REGENERATE}"
    assert DOC.read_text(encoding="utf-8") == render_doc(), f"{DOC} is out of date; run {REGENERATE}"


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] != ["--write-docs"]:
        sys.exit(f"usage: {REGENERATE}")
    DOC.write_text(render_doc(), encoding="utf-8")
    print(f"wrote {DOC.relative_to(REPO)}: {len(CASES)} cases")
