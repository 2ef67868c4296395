"""The regional report, twice: its HTML parsed and its figures checked against the analysis,
and the page rendered in headless Chromium to a screenshot that is not blank."""

from __future__ import annotations

import base64
import shutil
import struct
import subprocess
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="the report draws its charts with matplotlib (pip install '.[report]')")

from skillmatch.problems import InputError
from skillmatch.recommend import regional_analysis
from skillmatch.report import CHART_FILES, HTML_FILE, write_report
from skillmatch.report.page import nl_float, nl_int

TODAY = date(2025, 1, 6)


class Page(HTMLParser):
    """Tables by id (rows of (text, data-value) cells), images, cards, links and scripts."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str | None]]]] = {}
        self.images: list[dict[str, str]] = []
        self.cards: list[dict[str, str]] = []
        self.refs: list[str] = []
        self.tags: set[str] = set()
        self.attrs_by_id: dict[str, dict[str, str]] = {}
        self._table = None
        self._row = None
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if "id" in a:
            self.attrs_by_id[a["id"]] = a
        for key in ("src", "href"):
            if key in a:
                self.refs.append(a[key])
        if tag == "table":
            self._table = self.tables.setdefault(a.get("id", ""), [])
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ["", a.get("data-value")]
        elif tag == "img":
            self.images.append(a)
        elif tag == "div" and a.get("class") == "card":
            self.cards.append(a)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None


@pytest.fixture(scope="module")
def caseload(shipped):
    from skillmatch.caseload import generate_caseload

    return generate_caseload(shipped, "zeeland", n_jobseekers=300, n_vacancies=180, seed=2)


@pytest.fixture(scope="module")
def report(shipped, caseload, tmp_path_factory):
    jobseekers, vacancies = caseload
    out = tmp_path_factory.mktemp("rapport")
    return write_report(shipped, jobseekers, vacancies, out, region="zeeland", k_modules=5, today=TODAY, reach=60)


@pytest.fixture(scope="module")
def parsed(report):
    page = Page()
    page.feed(report.html.read_text(encoding="utf-8"))
    return page


def test_files_are_written(report):
    folder = report.html.parent
    assert report.html.name == HTML_FILE
    assert {p.name for p in folder.iterdir()} == {HTML_FILE, *CHART_FILES.values()}
    for path in report.charts.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_page_is_self_contained(parsed, report):
    assert parsed.refs and all(ref.startswith("data:image/png;base64,") for ref in parsed.refs)
    assert "script" not in parsed.tags and "link" not in parsed.tags
    text = report.html.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "@import" not in text and "url(" not in text
    embedded = [base64.b64decode(img["src"].split(",", 1)[1]) for img in parsed.images]
    assert embedded == [report.charts[name].read_bytes() for name in ("sectors", "shortages", "portfolio")]
    assert all(img.get("alt") for img in parsed.images)
    assert parsed.attrs_by_id["made"] is not None and TODAY.isoformat() in text
    assert '<html lang="nl">' in text


def test_figures_equal_the_analysis(parsed, report, shipped, caseload):
    jobseekers, vacancies = caseload
    # computed again, independently of the report: the same inputs give the same analysis
    a = regional_analysis(shipped, jobseekers, vacancies, region="zeeland", k_modules=5, reach=60)
    assert report.analysis.portfolio.modules == a.portfolio.modules

    cards = {c["data-label"]: float(c["data-value"]) for c in parsed.cards}
    assert cards["Werkzoekenden"] == len(a.jobseeker_ids) == len(jobseekers)
    assert cards["Vacatures"] == len(vacancies)
    assert cards["Openstaande posities"] == a.n_positions
    assert cards["Werkzoekenden met een match nu"] == a.matched_now
    assert cards["Werkzoekenden met een match na scholing"] == a.matched_after

    rows = parsed.tables["sectoren"][1:]
    assert [r[0][0] for r in rows] == [f.label for f in a.sectors]
    for row, f in zip(rows, a.sectors):
        values = [float(v) for _, v in row[2:]]
        assert values == [f.vacancies, f.positions, f.jobseekers_from, f.jobseekers_matched, f.vacancies_matched,
                          f.jobseekers_matched_after, f.vacancies_matched_after]
        assert [text for text, _ in row[2:]] == [nl_int(v) for v in values]  # Dutch notation, same numbers

    rows = parsed.tables["tekorten"][1:]
    assert len(rows) == len(a.shortages)
    for row, s in zip(rows, a.shortages):
        assert row[1][0] == s.label
        assert float(row[6][1]) == pytest.approx(s.shortage) and row[6][0] == nl_float(s.shortage, 1)
        assert float(row[2][1]) == pytest.approx(s.demand) and int(float(row[7][1])) == s.near_misses

    rows = parsed.tables["portfolio"][1:]
    p = a.portfolio
    assert [r[1][0] for r in rows] == list(p.titles)
    assert [int(float(r[6][1])) for r in rows] == p.people.tolist()
    assert [int(float(r[7][1])) for r in rows] == p.matches.tolist()
    assert [float(r[4][1]) for r in rows] == p.cost_eur.tolist()
    np.testing.assert_allclose([float(r[5][1]) for r in rows], p.gains)
    guarantee = parsed.attrs_by_id["garantie"]
    assert guarantee["data-method"] == p.method and float(guarantee["data-objective"]) == pytest.approx(p.objective)


def test_example_plans_are_shown(report):
    text = report.html.read_text(encoding="utf-8")
    assert text.count('class="plan"') >= 1
    assert "Totaal:" in text  # TrainingPlan.describe's Dutch totals line


def test_english_and_bad_language(shipped, caseload, tmp_path):
    jobseekers, vacancies = caseload
    r = write_report(shipped, jobseekers[:80], vacancies[:60], tmp_path / "en", lang="en", k_modules=2,
                     today=TODAY, n_examples=1, reach=30)
    text = r.html.read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "Recommended training portfolio" in text
    with pytest.raises(InputError, match=r"report field 'lang': expected one of 'en', 'nl', got 'fr'"):
        write_report(shipped, jobseekers, vacancies, tmp_path / "fr", lang="fr")
    with pytest.raises(InputError, match=r"report field 'n_examples': expected an integer >= 0"):
        write_report(shipped, jobseekers, vacancies, tmp_path / "x", n_examples=-1)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_page_renders_in_headless_chromium(report, tmp_path):
    from matplotlib.image import imread

    browser = shutil.which("chromium") or (("/usr/bin/chromium") if Path("/usr/bin/chromium").exists() else None)
    if browser is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium; .ci/run installs it)")
    shot = tmp_path / "shot.png"
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
               "--window-size=1280,2000", report.html.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert shot.exists(), f"no screenshot; chromium said: {done.stderr[-2000:]}"
    data = shot.read_bytes()
    assert _png_size(data) == (1280, 2000)
    pixels = imread(shot)[..., :3]
    assert pixels.std() > 0.05  # not one colour
    non_white = (pixels < 0.95).any(axis=2).mean()
    assert 0.03 < non_white < 0.9  # text, tables and a chart on a white page
    # the page's blue headings are there (the CSS applied): #1f4e79
    blue = (np.abs(pixels - np.array([0x1F, 0x4E, 0x79]) / 255).max(axis=2) < 0.08).mean()
    assert blue > 0.001
