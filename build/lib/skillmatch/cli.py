"""The ``skillmatch`` command line.

    skillmatch demo                 the main job on the shipped defaults (no input files)
    skillmatch validate PATH        check a taxonomy; every problem, exit 1 when there are errors
    skillmatch info [PATH]          what a taxonomy holds
    skillmatch schema [NAME]        JSON Schema of an input record type
    skillmatch resolve TEXT ...     free text to skills and occupations
"""

from __future__ import annotations

import argparse
import json
import sys

from .problems import InputError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


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


def build_parser() -> argparse.ArgumentParser:
    from . import __version__
    from .demo import DEFAULT_REGION

    parser = argparse.ArgumentParser(prog="skillmatch", description="Match people to work on skills.")
    parser.add_argument("--version", action="version", version=f"skillmatch {__version__}")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        print(f"skillmatch {args.command}: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
