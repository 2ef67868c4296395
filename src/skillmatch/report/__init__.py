"""The regional report for programme managers: one self-contained HTML page plus its charts.

:func:`write_report` runs :func:`skillmatch.recommend.regional_analysis` over a caseload
and its vacancies and writes, into ``out_dir``:

- ``rapport.html`` — opens offline in any browser (inline CSS, charts embedded as base64
  PNG, no scripts, fonts or files from elsewhere), in Dutch (``lang="en"``: English):
  key figures; supply and demand per sector (table and chart); shortage skills per
  sector (table) and for the region (chart); the recommended module portfolio with
  what it unlocks, its gains and the proven bound on the optimum (table and chart); a
  few example training plans for people the portfolio serves; how it was computed;
- ``sectoren.png``, ``tekortvaardigheden.png``, ``portfolio.png`` — the same charts.

Layout::

    charts.py   matplotlib (Agg canvas, no pyplot) -> PNG bytes
    page.py     HTML building blocks and Dutch number notation

Matplotlib is optional: ``pip install "skillmatch[report]"``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from ..params import Integer, OneOf, check_params
from ..problems import InputError, Problem
from ..recommend.regional import RegionalAnalysis, regional_analysis
from . import charts
from .page import cards, cell, figure, nl_euro, nl_float, nl_int, nl_percent, page, table

__all__ = ["Report", "build_report", "write_report"]

CHART_FILES = {"sectors": "sectoren.png", "shortages": "tekortvaardigheden.png", "portfolio": "portfolio.png"}
HTML_FILE = "rapport.html"

TEXT: dict[str, dict[str, Any]] = {
    "nl": {
        "title": "Regionale arbeidsmarktanalyse en scholingsportfolio",
        "region_all": "alle regio's",
        "lead": ("Vraag en aanbod per sector, de vaardigheden die het meest ontbreken en de {k} modules die, als ze "
                 "worden ingekocht, de meeste matches openen voor de meeste werkzoekenden. Regio: {region}."),
        "cards": ("Werkzoekenden", "Vacatures", "Openstaande posities", "Werkzoekenden met een match nu",
                  "Werkzoekenden met een match na scholing"),
        "h_sectors": "Vraag en aanbod per sector",
        "sectors_intro": ("Een match is een vacature met een matchscore van minstens {theta} onder de {reach} beste "
                          "vacatures van een werkzoekende. 'Na scholing': als iedere werkzoekende de module uit het "
                          "portfolio volgt die voor hem of haar het meest opent."),
        "sector_headers": ["Sector", "Cruciaal", "Vacatures", "Posities", "Werkzoekenden uit de sector",
                           "Werkzoekenden met match", "Vacatures met match", "Werkzoekenden met match na scholing",
                           "Vacatures met match na scholing"],
        "yes": "ja", "no": "nee",
        "chart_sectors": "Vraag en aanbod per sector",
        "series": ("Posities", "Werkzoekenden uit de sector", "Met match nu", "Met match na scholing"),
        "count": "aantal",
        "h_shortages": "Tekortvaardigheden per sector",
        "shortages_intro": ("Vraag: posities × belang van de eis (0,5 / 0,75 / 1). Aanbod: werkzoekenden die de "
                            "vaardigheid op het gevraagde niveau hebben (een lager niveau of verwante vaardigheid telt "
                            "naar rato). Dekking: aanbod gedeeld door de vraag naar de vaardigheid in de hele regio. "
                            "Tekort: vraag × (1 − dekking). Bijna-matches: paren werkzoekende–vacature onder de drempel "
                            "waarin de vaardigheid ontbreekt."),
        "shortage_headers": ["Sector", "Vaardigheid", "Vraag", "Gevraagd niveau", "Aanbod", "Dekking", "Tekort",
                             "Bijna-matches", "Gemiste dekking"],
        "chart_shortages": "Grootste tekorten in de regio (alle sectoren samen)",
        "shortage_axis": "tekort (gewogen posities)",
        "h_portfolio": "Aanbevolen scholingsportfolio",
        "portfolio_intro": ("Elke werkzoekende volgt één module (met de vooropleidingen die nodig zijn) uit het "
                            "portfolio: die welke voor hem of haar het meest opent. Waarde per persoon: de som van de "
                            "matchscores van de vacatures die boven de drempel komen, begrensd op {cap}. Het portfolio "
                            "maximaliseert de som over alle werkzoekenden."),
        "guarantee_greedy": ("Gekozen met het gulzige algoritme. De doelfunctie is monotoon en submodulair "
                             "(facility location), dus het resultaat haalt minstens 1 − 1/e ≈ 63% van het optimum; "
                             "bewezen bovengrens voor dit geval: {bound} — het portfolio haalt minstens {cert} daarvan."),
        "guarantee_exact": "Exact optimum, gevonden door alle portfolio's van {k} modules te vergelijken.",
        "portfolio_headers": ["#", "Module", "Vooropleidingen", "Uren", "Kosten per deelnemer", "Extra waarde",
                              "Werkzoekenden", "Vacatures geopend"],
        "chart_portfolio": "Wat elke module toevoegt",
        "portfolio_axis": "module (volgorde van keuze)",
        "gain": "extra waarde", "cumulative": "totaal", "bound": "bovengrens optimum",
        "h_examples": "Voorbeelden van scholingsplannen",
        "examples_intro": ("Voor enkele werkzoekenden die het portfolio helpt: het goedkoopste plan naar een vacature "
                           "die na scholing boven de drempel komt, binnen hun eigen randvoorwaarden."),
        "example_head": "Werkzoekende {person} (laatste beroep: {occupation}) → {vacancy}: dekking van de eisen nu {now}",
        "no_examples": "Geen voorbeelden: het portfolio opent geen vacatures.",
        "h_method": "Verantwoording",
        "method": ("Matchscore: '{scoring}' van skillmatch ({description}). Drempel {theta}; gezocht in de "
                   "{reach} beste vacatures per werkzoekende; waarde per persoon begrensd op {cap}. Scores na "
                   "scholing zijn exact herberekend met dezelfde score, filters (reisafstand, uren, "
                   "ondersteuning) en essentiële eisen."),
        "none": "—",
    },
    "en": {
        "title": "Regional labour-market analysis and training portfolio",
        "region_all": "all regions",
        "lead": ("Supply and demand per sector, the skills most short, and the {k} modules that, commissioned, open "
                 "the most matches for the most jobseekers. Region: {region}."),
        "cards": ("Jobseekers", "Vacancies", "Open positions", "Jobseekers with a match now",
                  "Jobseekers with a match after training"),
        "h_sectors": "Supply and demand per sector",
        "sectors_intro": ("A match is a vacancy scoring at least {theta} among a jobseeker's {reach} best vacancies. "
                          "'After training': each jobseeker follows the portfolio module that opens most for them."),
        "sector_headers": ["Sector", "Crucial", "Vacancies", "Positions", "Jobseekers from the sector",
                           "Jobseekers with a match", "Vacancies with a match", "Jobseekers with a match after",
                           "Vacancies with a match after"],
        "yes": "yes", "no": "no",
        "chart_sectors": "Supply and demand per sector",
        "series": ("Positions", "Jobseekers from the sector", "With a match now", "With a match after training"),
        "count": "number",
        "h_shortages": "Shortage skills per sector",
        "shortages_intro": ("Demand: positions × weight of the requirement (0.5 / 0.75 / 1). Supply: jobseekers with "
                            "the skill at the level asked (a lower level or a related skill counts pro rata). "
                            "Coverage: supply over the region's demand for the skill. Shortage: demand × "
                            "(1 − coverage). Near misses: jobseeker–vacancy pairs below the threshold missing the skill."),
        "shortage_headers": ["Sector", "Skill", "Demand", "Level asked", "Supply", "Coverage", "Shortage",
                             "Near misses", "Coverage missed"],
        "chart_shortages": "Largest shortages in the region (all sectors)",
        "shortage_axis": "shortage (weighted positions)",
        "h_portfolio": "Recommended training portfolio",
        "portfolio_intro": ("Each jobseeker follows one module of the portfolio (with the prerequisites it needs): "
                            "the one that opens most for them. Value per person: the sum of the scores of the "
                            "vacancies lifted over the threshold, capped at {cap}. The portfolio maximises the sum."),
        "guarantee_greedy": ("Chosen greedily. The objective is monotone and submodular (facility location), so the "
                             "result reaches at least 1 − 1/e ≈ 63% of the optimum; proven upper bound for this case: "
                             "{bound} — the portfolio reaches at least {cert} of it."),
        "guarantee_exact": "Exact optimum, found by comparing every portfolio of {k} modules.",
        "portfolio_headers": ["#", "Module", "Prerequisites", "Hours", "Cost per participant", "Gain",
                              "Jobseekers", "Vacancies opened"],
        "chart_portfolio": "What each module adds",
        "portfolio_axis": "module (order chosen)",
        "gain": "gain", "cumulative": "total", "bound": "upper bound on the optimum",
        "h_examples": "Example training plans",
        "examples_intro": ("For a few jobseekers the portfolio helps: the cheapest plan into a vacancy that training "
                           "lifts over the threshold, within their own constraints."),
        "example_head": "Jobseeker {person} (last occupation: {occupation}) → {vacancy}: requirements covered now {now}",
        "no_examples": "No examples: the portfolio opens no vacancies.",
        "h_method": "Method",
        "method": ("Match score: skillmatch's '{scoring}' ({description}). Threshold {theta}; looked for among each "
                   "jobseeker's {reach} best vacancies; value per person capped at {cap}. Scores after training are "
                   "recomputed exactly with the same score, filters (travel, hours, support) and essential "
                   "requirements."),
        "none": "—",
    },
}


#: Dutch descriptions of the scores (the registry's are English).
SCORING_NL = {
    "fit": "dekking van wat het werk vraagt, gecombineerd met hoeveel van het profiel het werk gebruikt",
    "coverage": "dekking van de gevraagde vaardigheden, met gedeeltelijke erkenning van verwante vaardigheden",
    "cosine": "cosinus van gewogen vaardigheidsvectoren",
}


@dataclass(frozen=True)
class Report:
    """What :func:`write_report` wrote: the page, the charts, and the analysis behind them."""

    html: Path
    charts: dict[str, Path]
    analysis: RegionalAnalysis


def _examples(analysis: RegionalAnalysis, n: int, today: date, lang: str) -> list[dict]:
    """Up to ``n`` people the portfolio serves, in different sectors where possible, each with
    the cheapest plan into their best unlocked vacancy (highest score after training)."""
    from ..recommend.gaps import held_row
    from ..recommend.plans import PlanConstraints, plan_training

    tx, index, near = analysis.index.taxonomy, analysis.index, analysis.near_misses
    coverage = near.coverage()
    row_of = {(int(p), int(v)): i for i, (p, v) in enumerate(zip(near.persons, near.targets))}
    people = [p for p in range(len(analysis.jobseekers)) if len(analysis.unlocked[p])]
    people.sort(key=lambda p: (-len(analysis.unlocked[p]), p))
    # people from different occupations first, then the rest
    firsts, seen = [], set()
    for p in people:
        if analysis.jobseekers[p].occupation not in seen:
            seen.add(analysis.jobseekers[p].occupation)
            firsts.append(p)
    out = []
    for p in firsts + [p for p in people if p not in set(firsts)]:
        js = analysis.jobseekers[p]
        v = int(min(analysis.unlocked[p], key=lambda d: (-coverage[row_of[(p, int(d))]], int(d))))
        i = row_of[(p, v)]
        try:
            plans = plan_training(analysis.catalogue, near.gap(i), PlanConstraints.for_person(js),
                                  held=held_row(tx, js), today=today, k=1)
        except InputError:
            continue
        if plans.best is None:
            continue
        o = tx.occupations.index.get(js.occupation or "")
        out.append({"person": js.id, "occupation": tx.occupation_label(o, lang) if o is not None else "—",
                    "vacancy": index.labels[v], "coverage": float(coverage[i]), "lines": plans.best.describe(),
                    "plan": plans.best})
        if len(out) >= n:
            break
    return out


def build_report(analysis: RegionalAnalysis, *, lang: str = "nl", n_examples: int = 3,
                 today: date | None = None) -> tuple[str, dict[str, bytes]]:
    """The page (HTML text) and the charts (PNG bytes by name) for an analysis."""
    if lang not in TEXT:
        raise InputError([Problem(f"expected one of {sorted(TEXT)}", where="report", field="lang", value=lang)])
    t = TEXT[lang]
    today = today or date.today()
    a, pf = analysis, analysis.portfolio
    tx = a.index.taxonomy
    region = (tx.regions[tx.region_index[a.region]].name if a.region else t["region_all"])
    theta, cap = nl_float(a.threshold, 2), nl_float(a.cap, 1)
    n_js = len(a.jobseeker_ids)
    key = cards([
        (t["cards"][0], n_js, nl_int(n_js)),
        (t["cards"][1], len(a.vacancy_ids), nl_int(len(a.vacancy_ids))),
        (t["cards"][2], a.n_positions, nl_int(a.n_positions)),
        (t["cards"][3], a.matched_now, f"{nl_int(a.matched_now)} ({nl_percent(a.matched_now / n_js)})"),
        (t["cards"][4], a.matched_after, f"{nl_int(a.matched_after)} ({nl_percent(a.matched_after / n_js)})"),
    ])

    # sectors
    rows = [[cell(f.label), cell(t["yes"] if f.crucial else t["no"]), cell(f.vacancies), cell(f.positions),
             cell(f.jobseekers_from), cell(f.jobseekers_matched), cell(f.vacancies_matched),
             cell(f.jobseekers_matched_after), cell(f.vacancies_matched_after)] for f in a.sectors]
    png = {"sectors": charts.sector_chart(
        [f.label for f in a.sectors],
        dict(zip(t["series"], ([f.positions for f in a.sectors], [f.jobseekers_from for f in a.sectors],
                               [f.jobseekers_matched for f in a.sectors],
                               [f.jobseekers_matched_after for f in a.sectors]))),
        t["chart_sectors"], t["count"])}
    sectors = (f'<h2 id="h-sectoren">{escape(t["h_sectors"])}</h2>\n<p>{escape(t["sectors_intro"].format(theta=theta, reach=a.reach))}</p>\n'
               + table("sectoren", t["sector_headers"], rows, set(range(2, 9)))
               + figure(png["sectors"], t["chart_sectors"], t["chart_sectors"], "sectoren"))

    # shortages
    labels = {s: f.label for s, f in zip((f.sector for f in a.sectors), a.sectors)}
    rows = [[cell(labels.get(s.sector, s.sector)), cell(s.label), cell(s.demand, nl_float(s.demand, 1)),
             cell(s.level, nl_float(s.level, 1)), cell(s.supply, nl_float(s.supply, 1)),
             cell(s.coverage, nl_percent(s.coverage)), cell(s.shortage, nl_float(s.shortage, 1)),
             cell(s.near_misses), cell(s.blocking, nl_float(s.blocking, 1))] for s in a.shortages]
    total = a.shortage.sum(axis=0)
    top = [int(j) for j in np.lexsort((np.arange(len(total)), -total))[:15] if total[j] > 0]
    png["shortages"] = charts.bar_chart([tx.concept_label(j, lang) for j in top], [float(total[j]) for j in top],
                                        t["chart_shortages"], t["shortage_axis"])
    shortages = (f'<h2 id="h-tekorten">{escape(t["h_shortages"])}</h2>\n<p>{escape(t["shortages_intro"])}</p>\n'
                 + table("tekorten", t["shortage_headers"], rows, set(range(2, 9)))
                 + figure(png["shortages"], t["chart_shortages"], t["chart_shortages"], "tekorten"))

    # portfolio
    rows = []
    for i in range(len(pf)):
        pre = [m for m in pf.bundles[i] if m != pf.modules[i]]
        titles = ", ".join(a.catalogue.titles[a.catalogue.index[m]] for m in pre) or t["none"]
        rows.append([cell(i + 1), cell(pf.titles[i]), cell(titles), cell(float(pf.hours[i]), nl_int(pf.hours[i])),
                     cell(float(pf.cost_eur[i]), nl_euro(pf.cost_eur[i])), cell(float(pf.gains[i]),
                                                                                 nl_float(pf.gains[i], 1)),
                     cell(int(pf.people[i])), cell(int(pf.matches[i]))])
    guarantee = (t["guarantee_exact"].format(k=len(pf)) if pf.method == "exact" else
                 t["guarantee_greedy"].format(bound=nl_float(pf.upper_bound, 1),
                                              cert=nl_float(100 * pf.certified, 1) + "%"))
    png["portfolio"] = charts.portfolio_chart([float(g) for g in pf.gains], pf.upper_bound,
                                              title=t["chart_portfolio"], xlabel=t["portfolio_axis"],
                                              gain_label=t["gain"], cumulative_label=t["cumulative"],
                                              bound_label=t["bound"])
    portfolio = (f'<h2 id="h-portfolio">{escape(t["h_portfolio"])}</h2>\n<p>{escape(t["portfolio_intro"].format(cap=cap))}</p>\n'
                 f'<p id="garantie" data-method="{pf.method}" data-objective="{pf.objective!r}" '
                 f'data-bound="{pf.upper_bound!r}">{escape(guarantee)}</p>\n'
                 + table("portfolio", t["portfolio_headers"], rows, {0, 3, 4, 5, 6, 7})
                 + figure(png["portfolio"], t["chart_portfolio"], t["chart_portfolio"], "portfolio"))

    # examples
    parts = [f'<h2 id="h-voorbeelden">{escape(t["h_examples"])}</h2>\n<p>{escape(t["examples_intro"])}</p>']
    examples = _examples(a, n_examples, today, lang)
    for ex in examples:
        head = t["example_head"].format(person=ex["person"], occupation=ex["occupation"], vacancy=ex["vacancy"],
                                        now=nl_percent(ex["coverage"]))
        lines = "".join(f"<li>{escape(line)}</li>" for line in ex["lines"])
        parts.append(f'<div class="plan" data-person="{escape(ex["person"])}"><p><strong>{escape(head)}</strong></p>'
                     f"<ul>{lines}</ul></div>")
    if not examples:
        parts.append(f"<p>{escape(t['no_examples'])}</p>")
    from ..match.scoring import SCORINGS

    scoring = SCORINGS[a.index.settings.scoring]
    description = SCORING_NL.get(scoring.name, scoring.description) if lang == "nl" else scoring.description
    method = (f'<h2 id="h-verantwoording">{escape(t["h_method"])}</h2>\n'
              f'<p>{escape(t["method"].format(theta=theta, reach=a.reach, cap=cap, scoring=scoring.name, description=description))}</p>')
    html = page(t["title"], t["lead"].format(k=len(pf), region=region),
                [key, sectors, shortages, portfolio, "\n".join(parts), method], lang, today)
    return html, png


def _write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is for reading
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


#: The page's own parameters (the analysis checks the rest), checked at once.
PARAMETERS = {"lang": OneOf(tuple(sorted(TEXT))), "n_examples": Integer(0)}


def write_report(taxonomy, jobseekers, vacancies, out_dir, *, region: str | None = None, k_modules: int = 10,
                 lang: str = "nl", matcher=None, catalogue=None, threshold: float | None = None,
                 n_examples: int = 3, today: date | None = None, n_threads: int | None = None,
                 **options) -> Report:
    """Analyse a regional caseload and write the report page and its charts to ``out_dir``.

    Parameters
    ----------
    taxonomy : Taxonomy
    jobseekers, vacancies : lists of Jobseeker and Vacancy
    out_dir : str or Path
        Created when missing; ``rapport.html``, ``sectoren.png``,
        ``tekortvaardigheden.png`` and ``portfolio.png`` are (over)written atomically.
    region : str, optional
        An arbeidsmarktregio id: only its records and the modules offered there.
    k_modules : int
        Portfolio size.
    lang : {"nl", "en"}
    matcher, catalogue, threshold, n_threads, **options
        Passed to :func:`skillmatch.recommend.regional_analysis` (``reach``, ``cap``,
        ``method``, ``n_shortages``).
    n_examples : int
        Example training plans shown.
    today : date, optional
        The date printed on the page and the planning date of the example plans (default
        today); pass one for a reproducible page.

    Returns
    -------
    Report
        The paths written and the analysis.
    """
    check_params("report", PARAMETERS, {"lang": lang, "n_examples": n_examples})
    analysis = regional_analysis(taxonomy, jobseekers, vacancies, region=region, k_modules=k_modules,
                                 matcher=matcher, catalogue=catalogue, threshold=threshold, n_threads=n_threads,
                                 **options)
    html, png = build_report(analysis, lang=lang, n_examples=n_examples, today=today)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError([Problem(f"cannot create the output folder: {exc.strerror}", where=str(out),
                                  field="out_dir")]) from None
    paths = {}
    for name, data in png.items():
        paths[name] = out / CHART_FILES[name]
        _write(paths[name], data)
    html_path = out / HTML_FILE
    _write(html_path, html.encode("utf-8"))
    return Report(html_path, paths, analysis)
