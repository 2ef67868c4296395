"""``skillmatch demo``: the main job on the shipped defaults, with no input files.

Generates a regional caseload from the shipped taxonomy (:mod:`skillmatch.caseload`),
matches jobseekers to vacancies and vacancies to jobseekers, prints a short summary and
three explained matches in Dutch, and writes inputs and results to a folder with the batch
stage's writers — files that ``skillmatch match`` and ``skillmatch allocate`` read.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from .batch.writers import folder_problem, write_records, write_results
from .caseload import DEFAULT_REGION, generate_caseload
from .match import Matcher, MatchResult
from .match.explain import BANDS, strong_matches
from .taxonomy import Taxonomy, load_taxonomy

STRONG, STRONG_COVERAGE = BANDS[0][:2]  # the lower bounds of the band "sterk"

__all__ = ["DEFAULT_REGION", "run_demo"]


def _strong(result: MatchResult) -> np.ndarray:
    """Per (row, rank) of a people-with-work result: whether the match is in the band sterk,
    which asks the coverage too (the gap kernel gives it for every match at once)."""
    from .recommend import gaps_for_matches

    coverage = np.full(result.indices.shape, np.nan)
    coverage[result.indices >= 0] = gaps_for_matches(result).coverage()  # pairs in row-major order
    return strong_matches(result.scores, coverage)


def _pick_examples(result: MatchResult) -> list[int]:
    """Three rows worth explaining: a strong match, one credited through a related skill, one with a gap."""
    best = result.scores[:, 0]
    rows = np.flatnonzero(np.isfinite(best))
    if len(rows) == 0:
        return []
    picks = [int(rows[np.argmax(best[rows])])]
    credited = gap = None
    for r in rows[np.argsort(-best[rows], kind="stable")]:
        e = result.explain(int(r), 0)
        if credited is None and e.credited and int(r) not in picks:
            credited = int(r)
        if gap is None and e.missing_essential and int(r) not in picks:
            gap = int(r)
        if credited is not None and gap is not None:
            break
    for r in (credited, gap):
        if r is not None and r not in picks:
            picks.append(r)
    for r in rows:  # fill up when the caseload offers no such rows
        if len(picks) == 3:
            break
        if int(r) not in picks:
            picks.append(int(r))
    return picks[:3]


def _development_examples(tx: Taxonomy, jobseekers: list, vacancies: list, matcher: Matcher,
                          strong: np.ndarray) -> list:
    """Two people worth a training conversation: someone with little Dutch and no strong match
    (``strong``: per jobseeker, whether their best match is in the band sterk),
    planning into a crucial-sector occupation; and someone outside the crucial sectors whose
    cheapest route into one runs through a development path."""
    from .advice import advise
    from .recommend import Catalogue, RouteGraph

    catalogue = Catalogue.from_taxonomy(tx)
    weak = [p for p, s in zip(jobseekers, strong) if p.language_level and not s]  # strong[i]: jobseekers[i]
    out = []
    if weak:
        out.append(advise(tx, weak[0], vacancies=vacancies, matcher=matcher, k=2, catalogue=catalogue,
                          unlocks=True))
    graph = RouteGraph.build(tx, catalogue=catalogue)
    sectors = tx.occupation_sector
    for person in jobseekers[:200]:
        own = sectors[tx.occupations.index[person.occupation]] if person.occupation in tx.occupations.index else ""
        if not own or (own in tx.sectors and tx.sectors[own].crucial):
            continue
        for sector in ("kinderopvang", "zorg-welzijn"):
            a = advise(tx, person, sector=sector, k=1, plans=False, unlocks=False, routes=True, graph=graph,
                       catalogue=catalogue)
            if a.routes is not None and a.routes.routes and any(s.kind == "path" for s in a.routes.routes[0].steps):
                return [*out, a]
    return out


#: What the demo writes into ``out``: a folder holding anything else is not the demo's to overwrite.
OUTPUT_FILES = ("jobseekers.jsonl", "vacancies.jsonl", "matches_per_jobseeker.csv", "matches_per_vacancy.csv",
                "explanations.txt", "advice.txt", "summary.json")


def check_out(out: str | Path) -> Path:
    """``out`` as a folder the demo may write into: new, empty, or holding only an earlier demo's files.

    Checked before the demo runs, so that a bad ``--out`` costs nothing and a user's own
    files (``--out .`` in a project folder) are never overwritten.
    """
    from .problems import InputError, Problem

    out = Path(out)
    why = folder_problem(out / OUTPUT_FILES[0])
    if out.exists() and not out.is_dir():
        why = f"{out} is a file; expected a folder"
    if why is not None:
        raise InputError([Problem(f"cannot write the results here: {why}", where=str(out), field="out")])
    others = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_FILES) if out.is_dir() else []
    if others:
        shown = ", ".join(repr(n) for n in others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise InputError([Problem(f"the folder holds files the demo did not write ({shown}); the demo writes "
                                  f"{', '.join(OUTPUT_FILES)} and overwrites them: choose a new or empty folder",
                                  where=str(out), field="out")])
    return out


def run_demo(*, taxonomy: Taxonomy | None = None, region: str = DEFAULT_REGION, n_jobseekers: int = 3000,
             n_vacancies: int = 1500, k: int = 10, seed: int = 0, out: str | Path = "skillmatch-demo",
             stream: TextIO | None = None) -> dict:
    """Run the demo; returns the summary that is also printed and written to ``out/summary.json``."""
    import sys

    out = check_out(out)
    stream = stream or sys.stdout
    say = lambda *parts: print(*parts, file=stream, flush=True)  # noqa: E731
    t0 = time.perf_counter()
    tx = taxonomy if taxonomy is not None else load_taxonomy()
    region_name = tx.regions[tx.region_index[region]].name if region in tx.region_index else region
    jobseekers, vacancies = generate_caseload(tx, region, n_jobseekers=n_jobseekers, n_vacancies=n_vacancies,
                                              seed=seed)
    t_data = time.perf_counter()
    say(f"skillmatch demo — arbeidsmarktregio {region_name}: {len(jobseekers)} werkzoekenden, "
        f"{len(vacancies)} vacatures ({tx.name}: {tx.n_concepts} begrippen, {tx.n_occupations} beroepen)")

    to_work = Matcher(tx).fit(vacancies)
    by_person = to_work.match(jobseekers, k=k)
    to_people = Matcher(tx).fit(jobseekers)
    by_vacancy = to_people.match(vacancies, k=k)
    t_match = time.perf_counter()

    best = by_person.scores[:, 0]
    found = np.isfinite(best)
    strong = _strong(by_person)[:, 0]
    strong_candidates = _strong(by_vacancy).sum(axis=1)
    crucial_ids = {s for s, sec in tx.sectors.items() if sec.crucial}
    vac_best = by_vacancy.scores[:, 0]
    shortage = {}
    for sector in sorted(crucial_ids):
        rows = [i for i, v in enumerate(vacancies) if v.sector == sector]
        if rows:
            shortage[sector] = {"vacancies": len(rows),
                                "with_3_strong_candidates": int((strong_candidates[rows] >= 3).sum())}
    summary: dict[str, Any] = {
        "region": region,
        "jobseekers": len(jobseekers),
        "vacancies": len(vacancies),
        "jobseekers_with_a_match": int(found.sum()),
        "jobseekers_with_a_strong_match": int(strong.sum()),
        "median_best_score": float(np.median(best[found])) if found.any() else None,
        "vacancies_with_a_candidate": int(np.isfinite(vac_best).sum()),
        "crucial_sectors": shortage,
        "seconds": {"data": round(t_data - t0, 2), "matching": round(t_match - t_data, 2)},
    }
    say(f"Werkzoekenden met een passende vacature (binnen reisafstand, uren en ondersteuning): "
        f"{summary['jobseekers_with_a_match']} van {len(jobseekers)}; met een sterke match (score ≥ "
        + f"{STRONG:.2f} en dekking ≥ {STRONG_COVERAGE:.0%}".replace(".", ",") + "): "
        f"{summary['jobseekers_with_a_strong_match']}")
    say(f"Vacatures met ten minste één kandidaat: {summary['vacancies_with_a_candidate']} van {len(vacancies)}")
    for sector, row in shortage.items():
        say(f"  {tx.sectors[sector].label_nl}: {row['with_3_strong_candidates']} van {row['vacancies']} vacatures "
            "hebben drie of meer sterke kandidaten")

    examples = [by_person.explain(r, 0) for r in _pick_examples(by_person)]
    say("\nDrie uitgelegde matches:")
    for e in examples:
        person = jobseekers[by_person.query_ids.index(e.query)]
        background = tx.occupation_label(tx.occupations.index[person.occupation]) if person.occupation else "onbekend"
        say(f"\nWerkzoekende {e.query} (laatste beroep: {background})")
        say(str(e))

    advice = _development_examples(tx, jobseekers, vacancies, to_work, strong)
    t_advice = time.perf_counter()
    summary["seconds"]["advice"] = round(t_advice - t_match, 2)
    for a in advice:
        say("")
        say("\n".join(a.lines()))

    out.mkdir(parents=True, exist_ok=True)
    # the batch stage's writers: the files read back with skillmatch.batch and feed `skillmatch allocate`
    write_records(out / "jobseekers.jsonl", jobseekers)
    write_records(out / "vacancies.jsonl", vacancies)
    for name, result in (("matches_per_jobseeker.csv", by_person), ("matches_per_vacancy.csv", by_vacancy)):
        write_results(out / name, result.indices, result.scores, result.query_ids, result.candidate_ids)
    with open(out / "explanations.txt", "w", encoding="utf-8") as f:
        f.write("\n\n".join(str(e) for e in examples) + "\n")
    with open(out / "advice.txt", "w", encoding="utf-8") as f:
        f.write("\n\n".join("\n".join(a.lines()) for a in advice) + "\n")
    summary["seconds"]["total"] = round(time.perf_counter() - t0, 2)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    say(f"\nResultaten geschreven naar {out}/ (matches_per_jobseeker.csv, matches_per_vacancy.csv, "
        f"explanations.txt, advice.txt, summary.json) in {summary['seconds']['total']:.1f} s")
    return summary
