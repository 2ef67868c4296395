"""Label resolution on the shipped taxonomy and on the full ESCO label set."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import skillmatch
from skillmatch.labels import LabelIndex, normalise
from skillmatch.problems import InputError

SHARED = Path(os.environ.get("SKILLMATCH_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


@pytest.fixture(scope="module")
def index():
    return LabelIndex(skillmatch.load_taxonomy())


def test_normalise():
    assert normalise("  Verzorgende-IG ") == "verzorgende ig"
    assert normalise("Hygiëne & infectiepreventie") == "hygiene infectiepreventie"


@pytest.mark.parametrize("text, kind, label", [
    ("heftruck rijden", "skill", "Vervoeren"),
    ("verzorgende IG", "occupation", "Verzorgende individuele gezondheidszorg (ig)"),
    ("Verzorgnde ig", "occupation", "Verzorgende individuele gezondheidszorg (ig)"),  # a typo
    ("programmeren", "skill", "Programmeren"),
    ("pedagogisch medewerker kinderopvang", "occupation", "Pedagogisch medewerker kinderopvang"),
])
def test_dutch_free_text_resolves_to_the_concept(index, text, kind, label):
    best = index.resolve(text).best
    assert best is not None and best.kind == kind and best.label == label


def test_english_labels_resolve_too(index):
    assert index.resolve("Programming").best.label == "Programmeren"


def test_candidates_are_ranked_with_scores_and_kind_filter(index):
    res = index.resolve("verzorgen", limit=5)
    scores = [c.score for c in res.candidates]
    assert scores == sorted(scores, reverse=True) and min(scores) >= 0 and max(scores) <= 100
    assert res.candidates[0].score == 100 and res.candidates[0].preferred
    only_occupations = index.resolve("verzorgen", limit=5, kind="occupation")
    assert {c.kind for c in only_occupations.candidates} == {"occupation"}


def test_ambiguity_is_flagged(index):
    assert index.resolve("medewerker").ambiguous
    assert not index.resolve("heftruck rijden").ambiguous


def test_nothing_found_is_an_empty_result(index):
    res = index.resolve("qqqqxxxx")
    assert res.best is None and res.candidates == ()


def test_batch_equals_one_by_one(index):
    texts = ["lassen", "verplegen", "software developer", "kassa"]
    batch = index.resolve_many(texts, limit=3)
    assert [r.candidates for r in batch] == [index.resolve(t, limit=3).candidates for t in texts]


def test_errors(index):
    with pytest.raises(InputError, match="field 'kind': expected one of"):
        index.resolve("x", kind="module")
    with pytest.raises(InputError, match="field 'limit': expected an integer >= 1"):
        index.resolve("x", limit=0)
    with pytest.raises(InputError, match="expected strings"):
        index.resolve_many(["x", 3])
    with pytest.raises(InputError, match="field 'kinds': expected a list of kinds among"):
        LabelIndex(skillmatch.load_taxonomy(), kinds=("modules",))


@pytest.mark.skipif(not (SHARED / "esco-v1.1.1").is_dir(), reason=f"ESCO v1.1.1 is absent at {SHARED / 'esco-v1.1.1'} (set SKILLMATCH_DATA)")
def test_a_batch_against_the_full_esco_label_set():
    tx = skillmatch.load_taxonomy(SHARED / "esco-v1.1.1", dutch=SHARED / "esco-v1.1.1-nl")
    index = LabelIndex(tx)
    assert len(index) > 140_000
    rng = np.random.default_rng(0)
    picks = rng.choice(np.flatnonzero(tx.skill_mask), 2000, replace=False)
    texts = []
    for i in picks:  # a real label with one character dropped
        label = tx.concepts.pref_en[i]
        j = int(rng.integers(1, len(label) - 1))
        texts.append(label[:j] + label[j + 1:])
    results = index.resolve_many(texts, kind="skill")
    hits = np.mean([r.best is not None and r.best.id == tx.concepts.ids[i] for r, i in zip(results, picks)])
    assert hits > 0.9
    occupation = index.resolve("verpleegkundige", kind="occupation").best
    assert occupation is not None and "verpleegkundige" in occupation.label.lower()
