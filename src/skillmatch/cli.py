"""The ``skillmatch`` command line.

    skillmatch demo                 the main job on the shipped defaults (no input files)
    skillmatch validate PATH        check a taxonomy; every problem, exit 1 when there are errors
    skillmatch info [PATH]          what a taxonomy holds
    skillmatch schema [NAME]        JSON Schema of an input record type
    skillmatch resolve TEXT ...     free text to skills and occupations
    skillmatch generate             write a synthetic caseload (jobseekers and vacancies files)
    skillmatch match                rank a file of jobseekers against a file of vacancies (or back)
    skillmatch allocate             assign people to vacancies from match results, with congestion figures
    skillmatch recommend            for people in a file: best matches, the gap, training plans, what unlocks most
    skillmatch paths                for people in a file: development routes, cross-sector transitions
    skillmatch report               a regional report (HTML with charts, PNGs) for programme managers
    skillmatch audit                exposure and selection rates by group in match results (monitoring)
    skillmatch warm                 compile the numba kernels into the cache (for images and clusters)

Errors are one line on stderr and exit 1 (``--debug`` shows the traceback); usage errors
exit 2; an interrupted ``match`` exits 130 and continues with ``--resume``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .problems import InputError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _cmd_validate(args) -> int:
    from .taxonomy import load_taxonomy

    try:
        tx = load_taxonomy(args.path, strict=args.strict, cache=False)
    except InputError as exc:
        errors = [p for p in exc.problems if p.severity == "error"]
        for p in exc.problems:
            print(p)
        print(f"\n{args.path}: {len(errors)} error(s), {len(exc.problems) - len(errors)} warning(s)")
        return EXIT_PROBLEMS
    for p in tx.problems:
        print(p)
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in tx.summary().items() if k != "warnings")
    print(f"{args.path}: valid ({counts}); {len(tx.problems)} warning(s)")
    return EXIT_OK


def _cmd_info(args) -> int:
    from .taxonomy import load_taxonomy

    tx = load_taxonomy(args.path)
    print(json.dumps({"name": tx.name, "source": tx.source, **tx.summary()}, indent=2, ensure_ascii=False))
    return EXIT_OK


def _cmd_schema(args) -> int:
    from .models import SCHEMAS

    if args.name is None:
        print("\n".join(sorted(SCHEMAS)))
        return EXIT_OK
    if args.name not in SCHEMAS:
        print(f"unknown record type {args.name!r}; expected one of: {', '.join(sorted(SCHEMAS))}", file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(SCHEMAS[args.name].model_json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def _cmd_resolve(args) -> int:
    from .labels import LabelIndex
    from .taxonomy import load_taxonomy

    tx = load_taxonomy(args.taxonomy)
    index = LabelIndex(tx)
    for res in index.resolve_many(args.text, limit=args.limit, kind=args.kind):
        flag = "  (ambigu)" if res.ambiguous else ""
        print(f"{res.text!r}{flag}")
        if not res.candidates:
            print("    geen kandidaten")
        for c in res.candidates:
            via = "" if c.matched_label == c.label else f"  via {c.matched_label!r}"
            print(f"    {c.score:5.1f}  {c.kind:<10} {c.label}{via}  <{c.id}>")
    return EXIT_OK


def _cmd_demo(args) -> int:
    from .demo import run_demo
    from .taxonomy import load_taxonomy

    tx = load_taxonomy(args.taxonomy)
    run_demo(taxonomy=tx, region=args.region, n_jobseekers=args.jobseekers, n_vacancies=args.vacancies, k=args.k,
             seed=args.seed, out=args.out)
    return EXIT_OK


def _cmd_generate(args) -> int:
    from .caseload import write_caseload
    from .taxonomy import load_taxonomy

    tx = load_taxonomy(args.taxonomy)
    files = write_caseload(tx, args.region, args.out, n_jobseekers=args.jobseekers, n_vacancies=args.vacancies,
                           seed=args.seed, format=args.format, compress=args.gzip, overwrite=args.overwrite)
    print(f"skillmatch generate: {files.n_jobseekers:,} jobseekers -> {files.jobseekers}, {files.n_vacancies:,} "
          f"vacancies -> {files.vacancies} (region {args.region}, seed {args.seed}) in {files.seconds:.1f} s")
    return EXIT_OK


def _errors_path(out: str) -> Path:
    """``matches.csv`` -> ``matches.errors.jsonl`` (next to the output)."""
    path = Path(out)
    name = path.name.removesuffix(".gz")
    for suffix in (".csv", ".jsonl", ".parquet"):
        name = name.removesuffix(suffix)
    return path.with_name(f"{name or path.name}.errors.jsonl")


def _progress(choice: str):
    from .batch.progress import LogLines, ProgressBar, progress_display

    if choice == "none":
        return None
    if choice == "bar":
        return ProgressBar()
    return LogLines() if choice == "log" else progress_display()


def _cmd_match(args) -> int:
    from .batch.run import run_match

    errors = None if args.errors == "-" else (args.errors or _errors_path(args.out))
    matcher = {"same_region": args.same_region, "travel": not args.no_travel, "hours": not args.no_hours,
               "support": not args.no_support}
    for name in ("scoring", "essential", "essential_penalty", "coverage_weight", "crucial_boost"):
        if getattr(args, name) is not None:  # otherwise the Matcher's default
            matcher[name] = getattr(args, name)
    summary = run_match(args.jobseekers, args.vacancies, args.out, direction=args.direction, k=args.k,
                        taxonomy=args.taxonomy, explanations=args.explanations or False, chunk_size=args.chunk_size,
                        resume=args.resume, strict=args.strict, errors_path=errors, dask=args.dask,
                        dask_workers=args.dask_workers, dask_threads=args.dask_threads, n_threads=args.threads,
                        progress=_progress(args.progress), decimals=args.decimals, lang=args.lang, **matcher)
    print("skillmatch match: " + "\n".join(summary.lines()))
    return EXIT_OK


def _cmd_allocate(args) -> int:
    import numpy as np

    from .batch.allocate import allocate_caseload
    from .batch.readers import RecordReader, read_topk
    from .batch.writers import ErrorWriter, write_assignments
    from .models import Vacancy
    from .problems import Problem
    from .taxonomy import load_taxonomy

    methods = tuple(dict.fromkeys(m.strip() for m in args.methods.split(",") if m.strip()))
    unknown = [m for m in methods if m not in ("optimal", "stable")]
    if unknown or not methods:
        raise InputError(f"--methods: expected 'optimal', 'stable' or 'optimal,stable', got {args.methods!r}")
    tx = load_taxonomy(args.taxonomy) if args.taxonomy != "none" else None
    errors = ErrorWriter(args.errors) if args.errors else None
    try:
        reader = RecordReader(args.vacancies, Vacancy, taxonomy=tx, strict=args.strict, errors=errors,
                              keep_problems=20)
        vacancy_ids: list[str] = []
        capacities: list[int] = []
        for chunk in reader:
            vacancy_ids += [v.id for v in chunk.records]
            capacities += [v.positions for v in chunk.records]
        if not vacancy_ids:
            raise InputError([Problem("no valid vacancies to allocate", where=args.vacancies)])
        topk = read_topk(args.results, candidate_ids=vacancy_ids, strict=args.strict, errors=errors,
                         keep_problems=20)
    finally:
        if errors is not None:
            errors.close()
    if not topk.query_ids:
        raise InputError([Problem(f"no result row names a vacancy of {args.vacancies}; allocate takes the results "
                                  "of 'skillmatch match --direction jobseekers' (candidates are vacancies)",
                                  where=args.results)])
    caps = np.asarray(capacities, np.int64)
    allocation = allocate_caseload(topk.indices, topk.scores, caps, methods=methods, min_score=args.min_score)
    chosen = [a for a in (allocation.optimal, allocation.stable) if a is not None]
    rows = write_assignments(args.out, chosen, topk.query_ids, vacancy_ids)
    k = topk.indices.shape[1]
    print(f"skillmatch allocate: {len(topk.query_ids):,} jobseekers with a list (top {k}), {len(vacancy_ids):,} "
          f"vacancies with {int(caps.sum()):,} positions -> {args.out} ({rows:,} assignments)")
    for line in congestion_table(allocation, k, chosen, len(topk.query_ids)):
        print("  " + line)
    if args.summary:
        summary = {"jobseekers": len(topk.query_ids), "vacancies": len(vacancy_ids), "positions": int(caps.sum()),
                   "k": k, "congestion": {n: c.to_dict() for n, c in allocation.congestion.items()},
                   "assignments": {a.method: {"assigned": a.n_assigned, "total_score": a.total_score}
                                   for a in chosen}}
        Path(args.summary).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return EXIT_OK


def congestion_table(allocation, k: int, assignments, n_people: int) -> list[str]:
    """The congestion figures of top-k, top-1 and each assignment as aligned text lines."""
    names = {"top_k": f"top-{k}", "top_1": "top-1", "optimal": "optimal", "stable": "stable"}
    figures = allocation.congestion
    columns = [n for n in ("top_k", "top_1", "optimal", "stable") if n in figures]
    by_method = {a.method: a for a in assignments}
    rows = [("", [names[c] for c in columns]),
            ("people per vacancy (mean)", [f"{figures[c].mean:.2f}" for c in columns]),
            ("people per vacancy (max)", [f"{figures[c].max:,}" for c in columns]),
            ("vacancies with nobody", [f"{100 * figures[c].share_none:.1f}%" for c in columns]),
            ("vacancies over capacity", [f"{100 * (figures[c].share_over_capacity or 0):.1f}%" for c in columns]),
            ("Gini of exposure", [f"{figures[c].gini:.3f}" for c in columns]),
            ("people assigned", [f"{by_method[c].n_assigned:,} ({100 * by_method[c].n_assigned / max(1, n_people):.0f}%)"
                                 if c in by_method else "" for c in columns]),
            ("mean score assigned", [f"{by_method[c].total_score / max(1, by_method[c].n_assigned):.3f}"
                                     if c in by_method else "" for c in columns])]
    width = max(len(label) for label, _ in rows)
    cells = [max(len(v[i]) for _, v in rows) for i in range(len(columns))]
    return [f"{label:<{width}}  " + "  ".join(f"{v:>{w}}" for v, w in zip(values, cells)) for label, values in rows]


def _records(path: str, kind: str, tx, *, wanted: list[str] | None = None) -> list:
    """Every valid record of a jobseekers or vacancies file (JSONL, CSV, Parquet); a note on stderr for
    each record left out. ``wanted``: only these ids, all of which must be there."""
    from .batch import read_jobseekers, read_vacancies

    reader = (read_jobseekers if kind == "jobseekers" else read_vacancies)(path, taxonomy=tx)
    records: list[Any] = reader.read_all()
    for problem in reader.report.problems:
        if problem.severity == "error":
            print(f"skillmatch: left out: {problem}", file=sys.stderr)
    if wanted:
        by_id = {r.id: r for r in records}
        missing = [i for i in wanted if i not in by_id]
        if missing:
            raise InputError(f"{path}: no {kind[:-1]} with id {missing[0]!r}"
                             + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
        records = [by_id[i] for i in wanted]
    if not records:
        raise InputError(f"{path}: no valid {kind} records")
    return records


def _people(args) -> tuple[Any, list]:
    """The jobseekers ``recommend`` and ``paths`` advise: ``--person`` ids, else the first ``--limit`` (>= 1)."""
    from .params import Integer, check_params
    from .taxonomy import load_taxonomy

    limit = check_params(f"skillmatch {args.command}", {"limit": Integer(1, None)}, {"limit": args.limit})["limit"]
    tx = load_taxonomy(args.taxonomy)
    return tx, _records(args.jobseekers, "jobseekers", tx, wanted=args.person)[:limit]


def _print_advice(advice: list, as_json: bool) -> None:
    if as_json:
        print(json.dumps([a.to_dict() for a in advice], ensure_ascii=False, indent=1))
    else:
        print("\n\n".join("\n".join(a.lines()) for a in advice))


def _cmd_recommend(args) -> int:
    from .advice import advise
    from .match import Matcher
    from .recommend import Catalogue

    tx, people = _people(args)
    vacancies = _records(args.vacancies, "vacancies", tx) if args.vacancies else None
    matcher = Matcher(tx, lang=args.lang).fit(vacancies) if vacancies else None
    catalogue = Catalogue.from_taxonomy(tx)
    _print_advice([advise(tx, p, vacancies=vacancies, matcher=matcher, target=args.target, sector=args.sector,
                          k=args.k, minimise=args.minimise, unlocks=not args.no_unlocks, catalogue=catalogue,
                          lang=args.lang) for p in people], args.json)
    return EXIT_OK


def _cmd_paths(args) -> int:
    from .advice import advise
    from .recommend import Catalogue, RouteGraph

    tx, people = _people(args)
    catalogue = Catalogue.from_taxonomy(tx)
    graph = RouteGraph.build(tx, catalogue=catalogue)
    routes = args.occupation is not None or args.sector is not None
    _print_advice([advise(tx, p, target=args.occupation, sector=args.sector, k=args.k, minimise=args.minimise,
                          plans=False, unlocks=False, routes=routes, transitions=args.transitions or not routes,
                          graph=graph, catalogue=catalogue, lang=args.lang) for p in people], args.json)
    return EXIT_OK


def _cmd_report(args) -> int:
    from .report import write_report
    from .taxonomy import load_taxonomy

    tx = load_taxonomy(args.taxonomy)
    report = write_report(tx, _records(args.jobseekers, "jobseekers", tx), _records(args.vacancies, "vacancies", tx),
                          args.out, region=args.region, k_modules=args.modules, lang=args.lang)
    print(f"skillmatch report: {report.html} (and {len(report.charts)} charts as PNG in {Path(report.html).parent})")
    return EXIT_OK


def _cmd_audit(args) -> int:
    from .audit import audit_file

    query_ids = None
    if args.jobseekers or args.vacancies:
        from .taxonomy import load_taxonomy

        tx = load_taxonomy(args.taxonomy)
        query_ids = [r.id for r in _records(args.jobseekers or args.vacancies,
                                            "jobseekers" if args.jobseekers else "vacancies", tx)]
    result = audit_file(args.results, args.groups, query_ids=query_ids, threshold=args.threshold)
    print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if args.json else result.summary(args.lang))
    return EXIT_OK


def _cmd_warm(args) -> int:
    from .batch.dask import numba_cache_dir, warm_kernels

    seconds = warm_kernels()
    print(f"skillmatch warm: kernels ready in {seconds:.1f} s (numba cache: {numba_cache_dir()})")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .caseload import DEFAULT_REGION

    parser = argparse.ArgumentParser(prog="skillmatch", description="Match people to work on skills.")
    parser.add_argument("--version", action="version", version=f"skillmatch {__version__}")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="match a generated regional caseload on the shipped taxonomy")
    p.add_argument("--taxonomy", default=None, help="taxonomy folder or file (default: the shipped one)")
    p.add_argument("--region", default=DEFAULT_REGION, help=f"arbeidsmarktregio id (default: {DEFAULT_REGION})")
    p.add_argument("--jobseekers", type=int, default=3000)
    p.add_argument("--vacancies", type=int, default=1500)
    p.add_argument("-k", type=int, default=10, help="matches per jobseeker / vacancy")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="skillmatch-demo", help="folder for the results")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("validate", help="check a taxonomy and report every problem")
    p.add_argument("path")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("info", help="what a taxonomy holds")
    p.add_argument("path", nargs="?", default=None)
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("schema", help="print the JSON Schema of an input record type")
    p.add_argument("name", nargs="?", default=None)
    p.set_defaults(func=_cmd_schema)

    p = sub.add_parser("resolve", help="resolve free text to skills and occupations")
    p.add_argument("text", nargs="+")
    p.add_argument("--taxonomy", default=None)
    p.add_argument("--kind", choices=["skill", "occupation"], default=None)
    p.add_argument("--limit", type=int, default=3)
    p.set_defaults(func=_cmd_resolve)

    p = sub.add_parser("generate", help="write a synthetic caseload: jobseekers and vacancies files",
                       description="Write jobseekers.<format> and vacancies.<format> drawn from the taxonomy "
                                   "(skillmatch.caseload), the same records for the same seed.")
    p.add_argument("--region", default=DEFAULT_REGION,
                   help=f"arbeidsmarktregio id, or 'all' for every region (default: {DEFAULT_REGION})")
    p.add_argument("--jobseekers", type=int, default=3000, help="number of jobseekers (default: 3000)")
    p.add_argument("--vacancies", type=int, default=1500, help="number of vacancies (default: 1500)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="caseload", help="folder for the files (default: caseload)")
    p.add_argument("--format", choices=["jsonl", "csv", "parquet"], default="jsonl")
    p.add_argument("--gzip", action="store_true", help="gzip the text files (.jsonl.gz, .csv.gz)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace jobseekers/vacancies files already in --out (default: refuse)")
    p.add_argument("--taxonomy", default=None, help="taxonomy folder or file (default: the shipped one)")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("match", help="rank a file of jobseekers against a file of vacancies (or back)",
                       description="Read the candidates (vacancies, or jobseekers with --direction vacancies) into "
                                   "an index, stream the queries in chunks, write each chunk atomically with a "
                                   "manifest, and join the parts into OUT (CSV, JSONL or Parquet by its "
                                   "extension). Bad records go to the errors file and are counted.")
    p.add_argument("--jobseekers", required=True, help="jobseekers file (.jsonl, .csv, .parquet, .gz)")
    p.add_argument("--vacancies", required=True, help="vacancies file")
    p.add_argument("--out", required=True, help="results file (.csv, .jsonl, .parquet, .csv.gz, .jsonl.gz)")
    p.add_argument("--direction", choices=["jobseekers", "vacancies"], default="jobseekers",
                   help="what is ranked for: vacancies for each jobseeker (default), or people for each vacancy")
    p.add_argument("-k", type=int, default=10, help="results per query (default: 10)")
    p.add_argument("--explanations", nargs="?", const="text", choices=["text", "json"], default=None,
                   help="add an explanation column: text (default when given) or a JSON object")
    p.add_argument("--lang", choices=["nl", "en"], default="nl", help="language of explanations")
    p.add_argument("--chunk-size", type=int, default=10_000, help="query records per chunk (default: 10000)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run from its manifest")
    p.add_argument("--strict", action="store_true", help="stop at the first bad record")
    p.add_argument("--errors", default=None,
                   help="errors file (default: <out name>.errors.jsonl next to OUT; '-' for none)")
    p.add_argument("--taxonomy", default=None, help="taxonomy folder or file (default: the shipped one)")
    p.add_argument("--scoring", default=None, help="score to rank by (default: the library's, 'fit'; also "
                                                    "'coverage', 'cosine')")
    p.add_argument("--essential", default=None, help="penalty, gate or none (default: penalty)")
    p.add_argument("--essential-penalty", type=float, default=None)
    p.add_argument("--coverage-weight", type=float, default=None, help="fit: the weight of coverage against relevance")
    p.add_argument("--crucial-boost", type=float, default=None)
    p.add_argument("--same-region", action="store_true", help="only match within the same arbeidsmarktregio")
    p.add_argument("--no-travel", action="store_true", help="ignore travel distance")
    p.add_argument("--no-hours", action="store_true", help="ignore hours per week")
    p.add_argument("--no-support", action="store_true", help="ignore support needs and what employers offer")
    p.add_argument("--decimals", type=int, default=None, help="round scores to this many decimals")
    p.add_argument("--threads", type=int, default=None, help="ranking threads in this process (default: all CPUs)")
    p.add_argument("--dask", default=None, metavar="local|tcp://HOST:PORT",
                   help="rank the chunks on Dask: a local cluster, or the scheduler at this address")
    p.add_argument("--dask-workers", type=int, default=None, help="--dask local: worker processes (default: CPUs)")
    p.add_argument("--dask-threads", type=int, default=1, help="--dask local: threads per worker (default: 1)")
    p.add_argument("--progress", choices=["auto", "bar", "log", "none"], default="auto",
                   help="a bar on a terminal and plain lines otherwise (auto), or force one, or none")
    p.set_defaults(func=_cmd_match)

    p = sub.add_parser("allocate", help="assign people to vacancies from match results; congestion figures",
                       description="Read the top-k lists of 'skillmatch match' (per jobseeker) and the vacancies' "
                                   "positions; compute the assignment with the highest total score and the stable "
                                   "one, write them, and print congestion figures for top-k, top-1 and each "
                                   "assignment.")
    p.add_argument("--results", required=True, help="results of 'skillmatch match' (per jobseeker)")
    p.add_argument("--vacancies", required=True, help="the vacancies file (positions per vacancy)")
    p.add_argument("--out", required=True, help="assignments file (.csv, .jsonl, .parquet)")
    p.add_argument("--methods", default="optimal,stable", help="optimal, stable or both (default: both)")
    p.add_argument("--min-score", type=float, default=0.0, help="pairs scoring this or less are not assigned")
    p.add_argument("--summary", default=None, help="also write the figures as JSON to this file")
    p.add_argument("--errors", default=None, help="write problems in the inputs to this JSONL file")
    p.add_argument("--strict", action="store_true", help="stop at the first bad row")
    p.add_argument("--taxonomy", default=None,
                   help="check the vacancies against this taxonomy as 'match' did (default: the shipped one; "
                        "'none' to read ids and positions only)")
    p.set_defaults(func=_cmd_allocate)

    def people_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--jobseekers", required=True, help="jobseekers file: .jsonl, .csv or .parquet")
        p.add_argument("--person", action="append", default=None, metavar="ID",
                       help="only this jobseeker (repeatable; default: every one, up to --limit)")
        p.add_argument("--limit", type=int, default=20, help="at most this many people (default 20)")
        p.add_argument("-k", type=int, default=3, help="matches, plans and routes per person (default 3)")
        p.add_argument("--minimise", choices=["hours", "eur"], default="hours",
                       help="what a plan or route keeps smallest (default: hours)")
        p.add_argument("--lang", choices=["nl", "en"], default="nl")
        p.add_argument("--json", action="store_true", help="machine-readable output instead of text")
        p.add_argument("--taxonomy", default=None, help="taxonomy folder or file (default: the shipped one)")

    p = sub.add_parser("recommend", help="best matches, the gap, training plans and what unlocks most, per person",
                       description="For each jobseeker: the best vacancies (explained), the gap to a target and the "
                                   "cheapest training plans that close it, and the modules that open the most "
                                   "vacancies. The target is --target, else the best occupation of --sector, else "
                                   "the best vacancy that is not yet a strong match, else the best occupation in a "
                                   "crucial sector.")
    people_options(p)
    p.add_argument("--vacancies", default=None, help="vacancies file (.jsonl, .csv, .parquet)")
    p.add_argument("--target", default=None, help="an occupation id, or a vacancy id from --vacancies")
    p.add_argument("--sector", default=None, help="plan into the best occupation of this sector")
    p.add_argument("--no-unlocks", action="store_true", help="leave out what unlocks most (faster)")
    p.set_defaults(func=_cmd_recommend)

    p = sub.add_parser("paths", help="development routes to an occupation or sector, or cross-sector transitions",
                       description="For each jobseeker: the k cheapest routes through the development paths and "
                                   "training steps to --occupation or into --sector; without either, the best "
                                   "moves from their occupation into the crucial sectors.")
    people_options(p)
    p.add_argument("--occupation", default=None, help="target occupation id")
    p.add_argument("--sector", default=None, help="target sector id (e.g. zorg-welzijn, kinderopvang, techniek)")
    p.add_argument("--transitions", action="store_true", help="also the cross-sector transitions")
    p.set_defaults(func=_cmd_paths)

    p = sub.add_parser("report", help="regional report for programme managers: HTML with charts, and PNGs")
    p.add_argument("--jobseekers", required=True)
    p.add_argument("--vacancies", required=True)
    p.add_argument("--out", required=True, help="folder for rapport.html and the charts")
    p.add_argument("--region", default=None, help="arbeidsmarktregio id (default: every record)")
    p.add_argument("--modules", type=int, default=10, help="modules in the portfolio to commission (default 10)")
    p.add_argument("--lang", choices=["nl", "en"], default="nl")
    p.add_argument("--taxonomy", default=None)
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("audit", help="exposure and selection rates by group in match results (monitoring only)",
                       description="Monitoring, never a scoring input: how often each group's members are "
                                   "recommended, selection rates at a score threshold and their ratio to the most "
                                   "selected group (four-fifths rule), and congestion. Group labels come from the "
                                   "caller (--groups), never from the matcher.")
    p.add_argument("--results", required=True, help="a results file written by skillmatch match")
    p.add_argument("--groups", default=None, help="CSV with columns id,group (the caller's labels)")
    p.add_argument("--jobseekers", default=None, help="the jobseekers file the results came from (so that people "
                                                      "without a match are counted)")
    p.add_argument("--vacancies", default=None, help="for results of --direction vacancies: the vacancies file")
    p.add_argument("--threshold", type=float, default=None, help="score that counts as selected (default 0.5)")
    p.add_argument("--lang", choices=["nl", "en"], default="nl")
    p.add_argument("--json", action="store_true")
    p.add_argument("--taxonomy", default=None)
    p.set_defaults(func=_cmd_audit)

    p = sub.add_parser("warm", help="compile the numba kernels into the cache (for images and cluster nodes)")
    p.set_defaults(func=_cmd_warm)
    for command in sub.choices.values():  # --debug also after the command name
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                             help="show the traceback of an error")
    return parser


def one_line(exc: InputError) -> str:
    """An InputError in one line: the problem itself, or the summary with the first problem."""
    shown = [p for p in exc.problems if p.severity == "error"] or exc.problems
    head = str(exc).split("\n", 1)[0].removesuffix(":")
    default = f"{len([p for p in exc.problems if p.severity == 'error'])} problem(s) in the input"
    if not shown:
        return head
    more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
    first = " ".join(str(shown[0]).split())  # a problem's message may hold line breaks
    return f"{first}{more}" if head == default else f"{head}: {first}{more}"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    name = f"skillmatch {args.command}"
    try:
        return args.func(args)
    except InputError as exc:
        if debug:
            raise
        print(f"{name}: {one_line(exc)}", file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        if debug:
            raise
        hint = "; run it again with --resume to continue" if args.command == "match" else ""
        print(f"{name}: interrupted{hint}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except OSError as exc:
        if debug:
            raise
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    except Exception as exc:
        if debug:
            raise
        print(f"{name}: internal error: {type(exc).__name__}: {' '.join(str(exc).split())} (run with --debug for "
              "the traceback, and please report it)", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
