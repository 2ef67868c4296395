"""The CompetentNL RDF loader (``skillmatch.taxonomy.rdf``) on a small hand-written graph."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from skillmatch.models import IMPORTANCE_CODES
from skillmatch.problems import TaxonomyError
from skillmatch.taxonomy import detect_format, load_taxonomy, rdf  # rdf imports rdflib only when loading

rdflib = pytest.importorskip("rdflib")

MINI = Path(__file__).parent / "data" / "competentnl-mini.ttl"

HC = "https://linkeddata.competentnl.nl/id/humancapability/"
KA = "https://linkeddata.competentnl.nl/id/knowledgearea/"
OCC = "https://linkeddata.competentnl.nl/uwv/id/occupation/"
VERZORGEN, VERPLEGEN, PROGRAMMEREN, INSTALLEREN = (HC + x for x in ("DB59A57C01", "3DA7BAB0C4", "F2D610E19F",
                                                                     "D5AD4F0905"))
VERZORGENDE_IG, VERPLEEGKUNDIGE, SOFTWARE_DEVELOPER = (OCC + x for x in ("DCBA0274C1", "476BFEDE4D", "F5EEF89849"))

PREFIXES = """\
@prefix cnlo: <https://linkeddata.competentnl.nl/def/competentnl#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix hc:   <https://linkeddata.competentnl.nl/id/humancapability/> .
@prefix occ:  <https://linkeddata.competentnl.nl/uwv/id/occupation/> .
"""
#: one capability and one occupation requiring it: the smallest valid graph
MINIMAL = PREFIXES + """
hc:A a cnlo:HumanCapability ; skos:prefLabel "Verzorgen"@nl .
occ:X a cnlo:Occupation ; skos:prefLabel "Verzorgende"@nl ; cnlo:requiresHATEssential hc:A .
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mini():
    return rdf.load_rdf(MINI)


def requirement(taxonomy, occupation: str, concept: str) -> tuple[int, float]:
    i, j = taxonomy.occupations.index[occupation], taxonomy.concepts.index[concept]
    return int(taxonomy.requirements[i, j]), float(taxonomy.requirement_levels[i, j])


# --- detection ------------------------------------------------------------------------------


def test_is_rdf_recognises_files_and_folders(tmp_path):
    assert rdf.is_rdf(MINI)
    assert not rdf.is_rdf(write(tmp_path, "skills.csv", "id\n"))
    folder = tmp_path / "graph"
    folder.mkdir()
    assert not rdf.is_rdf(folder)
    write(folder, "b.ttl", MINIMAL)
    write(folder, "a.nt", "")
    assert rdf.is_rdf(folder)
    assert rdf.source_files(folder) == [folder / "a.nt", folder / "b.ttl"]
    assert rdf.source_files(MINI) == [MINI]
    assert not rdf.is_rdf(tmp_path / "missing.ttl")


def test_folder_of_ttl_is_detected_and_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "competentnl"
    folder.mkdir()
    # the capability in one file, the occupation that requires it in another
    write(folder, "capabilities.ttl", PREFIXES + 'hc:A a cnlo:HumanCapability ; skos:prefLabel "Verzorgen"@nl .\n')
    write(folder, "occupations.ttl", PREFIXES + 'occ:X a cnlo:Occupation ; skos:prefLabel "Verzorgende"@nl ;'
                                                " cnlo:requiresHATEssential hc:A .\n")
    assert detect_format(folder) == "rdf"
    taxonomy = load_taxonomy(folder)
    assert (taxonomy.n_concepts, taxonomy.n_occupations, taxonomy.requirements.nnz) == (1, 1, 1)
    # problems name the file that declared the record
    write(folder, "more.ttl", PREFIXES + 'occ:Y a cnlo:Occupation ; skos:prefLabel "Verpleger"@nl ;'
                                         " cnlo:requiresHATEssential hc:B .\n")
    with pytest.raises(TaxonomyError, match=r"more\.ttl record '.*/occupation/Y'"):
        load_taxonomy(folder)


def test_only_the_files_directly_in_the_folder_are_read(tmp_path, monkeypatch):
    def walk(*args, **kwargs):
        raise AssertionError("RDF detection must not search subfolders")

    monkeypatch.setattr(Path, "rglob", walk)
    folder = tmp_path / "projects"
    (folder / "a" / "b").mkdir(parents=True)
    write(folder / "a" / "b", "deep.ttl", MINIMAL)  # two levels down: not looked at
    assert not rdf.is_rdf(folder) and rdf.source_files(folder) == []
    with pytest.raises(TaxonomyError, match=r"projects: not a taxonomy skillmatch can read"):
        load_taxonomy(folder)
    write(folder, "top.ttl", MINIMAL)
    assert rdf.source_files(folder) == [folder / "top.ttl"]
    assert load_taxonomy(folder, cache=False).n_occupations == 1


def test_a_folder_that_cannot_be_listed_holds_no_rdf(tmp_path, monkeypatch):
    write(tmp_path, "graph.ttl", MINIMAL)

    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", refuse)
    assert not rdf.is_rdf(tmp_path) and rdf.source_files(tmp_path) == []


def test_a_dangling_link_in_the_folder_is_skipped_with_a_warning(tmp_path):
    folder = tmp_path / "competentnl"
    folder.mkdir()
    write(folder, "graph.ttl", MINIMAL)
    (folder / "moved.ttl").symlink_to(folder / "nowhere.ttl")
    assert rdf.source_files(folder) == [folder / "graph.ttl"]
    taxonomy = load_taxonomy(folder, cache=False)
    assert [str(p) for p in taxonomy.problems] == [
        (f"warning: {folder / 'moved.ttl'}: is a symbolic link to {str(folder / 'nowhere.ttl')!r}, which does not "
         "exist or cannot be reached; skipped")]
    assert taxonomy.n_occupations == 1


# --- the mini graph ---------------------------------------------------------------------------


def test_counts_and_kinds(mini):
    assert mini.n_concepts == 9
    assert mini.n_occupations == 3
    assert mini.requirements.nnz == 10
    assert mini.summary()["capabilities"] == 5
    assert mini.summary()["knowledge_areas"] == 2
    assert mini.summary()["groups"] == 2
    assert mini.problems == []
    kind = {mini.concepts.ids[i]: mini.concept(i).kind for i in range(mini.n_concepts)}
    assert kind[HC + "T1"] == kind[HC + "T11"] == "group"
    # T12 has narrower capabilities but an occupation requires it, so it can be held
    assert kind[HC + "T12"] == "capability"
    assert kind[KA + "T0913"] == kind[KA + "T0613"] == "knowledge"
    assert kind[VERZORGEN] == "capability"


def test_labels_from_skos_and_skos_xl(mini):
    verzorgen = mini.concept(VERZORGEN)
    assert verzorgen.pref_label_nl == "Verzorgen"  # skosxl:prefLabel
    assert verzorgen.pref_label_en == "Caring"  # skos:prefLabel
    # one from skosxl:altLabel, one from skos:altLabel
    assert verzorgen.alt_labels_nl == ("Niet-medische zorg bieden", "Verzorging bieden")
    assert mini.concept_label(mini.concepts.index[HC + "T11"], "en") == "Providing care"  # skosxl, @en

    verplegen = mini.concept(VERPLEGEN)
    assert (verplegen.pref_label_nl, verplegen.pref_label_en) == ("Verplegen", "Nursing")
    assert verplegen.alt_labels_nl == ("Eerste hulp bieden", "Medisch verzorgen")  # the @de ones are dropped
    # region subtags (@nl-NL, @en-GB) count as their language
    programmeren = mini.concept(PROGRAMMEREN)
    assert (programmeren.pref_label_nl, programmeren.alt_labels_en) == ("Programmeren", ("Coding",))
    # an untagged skosxl:literalForm counts as Dutch
    assert mini.concept(INSTALLEREN).pref_label_nl == "Installeren"
    assert mini.concept(INSTALLEREN).alt_labels_nl == ("Monteren",)

    ig = mini.occupation(VERZORGENDE_IG)
    assert ig.pref_label_nl == "Verzorgende individuele gezondheidszorg (ig)"
    assert ig.pref_label_en == "Health care assistant"
    assert ig.alt_labels_nl == ("Verzorgende ig", "Ziekenverzorgende")
    assert mini.occupation(VERPLEEGKUNDIGE).alt_labels_nl == ("Algemeen verpleegkundige", "Verpleger")


def test_hierarchy_and_levels(mini):
    index = mini.concepts.index

    def broader(uri):
        return [mini.concepts.ids[j] for j in mini.broader_of(index[uri])]

    assert broader(VERZORGEN) == [HC + "T11"]
    assert broader(HC + "T11") == [HC + "T1"]
    assert broader(HC + "T1") == []
    assert broader(INSTALLEREN) == [HC + "T12"]  # stated only as T12 skos:narrower
    assert mini.broader[index[PROGRAMMEREN], index[HC + "T12"]] == 1
    assert [mini.concepts.ids[j] for j in mini.ancestors(index[PROGRAMMEREN])] == [HC + "T12", HC + "T1"]
    level = {uri: mini.concept(uri).level for uri in (HC + "T1", HC + "T11", HC + "T12", VERZORGEN, INSTALLEREN)}
    # from skos:notation (T1, T11, Verzorgen) or the depth in the hierarchy (T12, Installeren)
    assert level == {HC + "T1": 1, HC + "T11": 2, HC + "T12": 2, VERZORGEN: 3, INSTALLEREN: 3}


def test_requirements_importance_and_level(mini):
    assert requirement(mini, VERZORGENDE_IG, VERZORGEN) == (3, 3.0)
    assert requirement(mini, VERZORGENDE_IG, VERPLEGEN) == (2, 3.0)
    assert requirement(mini, VERZORGENDE_IG, KA + "T0913") == (1, 3.0)
    assert requirement(mini, VERPLEEGKUNDIGE, KA + "T0913") == (3, 3.0)
    assert requirement(mini, SOFTWARE_DEVELOPER, INSTALLEREN) == (2, 3.0)
    assert requirement(mini, SOFTWARE_DEVELOPER, HC + "T12") == (1, 3.0)
    assert requirement(mini, SOFTWARE_DEVELOPER, VERZORGEN) == (0, 0.0)
    assert mini.requirements.dtype == np.int8
    assert sorted(set(mini.requirements.data.tolist())) == sorted(IMPORTANCE_CODES.values())
    assert set(mini.requirement_levels.data.tolist()) == {3.0}


def test_related_is_symmetric_with_strength_one_half(mini):
    i, j = mini.concepts.index[VERZORGEN], mini.concepts.index[VERPLEGEN]
    assert mini.related[i, j] == mini.related[j, i] == pytest.approx(rdf.RELATED_STRENGTH)
    assert rdf.RELATED_STRENGTH == 0.5
    assert mini.related.nnz == 2


def test_isco_and_concept_metadata(mini):
    isco = dict(zip(mini.occupations.ids, mini.occupation_isco))
    assert isco == {VERZORGENDE_IG: "5321", VERPLEEGKUNDIGE: "2221", SOFTWARE_DEVELOPER: ""}
    assert mini.concept(VERZORGEN).riasec == "S"
    assert mini.concept(PROGRAMMEREN).riasec == "RI"
    assert mini.concept(KA + "T0913").isced_f == "0913"
    assert mini.concept(KA + "T0613").definition == "Ontwerpen, bouwen en testen van software."
    assert mini.concept(VERZORGEN).origin == "competentnl"


def test_load_taxonomy_with_and_without_cache(tmp_path, monkeypatch, mini):
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(tmp_path))
    assert detect_format(MINI) == "rdf"
    uncached = load_taxonomy(MINI, cache=False)
    assert not (tmp_path / "taxonomy").exists()
    first = load_taxonomy(MINI)
    assert any((tmp_path / "taxonomy").iterdir())
    second = load_taxonomy(MINI)  # from the compiled cache
    for taxonomy in (uncached, first, second):
        assert taxonomy.concepts.ids == mini.concepts.ids
        assert taxonomy.occupations.ids == mini.occupations.ids
        assert taxonomy.concepts.alt_nl == mini.concepts.alt_nl
        assert (taxonomy.requirements != mini.requirements).nnz == 0
        assert (taxonomy.broader != mini.broader).nnz == 0
        assert taxonomy.occupation_isco == mini.occupation_isco
        assert taxonomy.concept_meta == mini.concept_meta


def test_n_triples_gives_the_same_taxonomy(tmp_path, mini):
    graph = rdflib.Graph().parse(MINI, format="turtle")
    nt = tmp_path / "competentnl-mini.nt"
    graph.serialize(nt, format="nt", encoding="utf-8")
    taxonomy = rdf.load_rdf(nt)
    assert taxonomy.concepts.ids == mini.concepts.ids
    assert taxonomy.concepts.pref_nl == mini.concepts.pref_nl
    assert taxonomy.concepts.alt_en == mini.concepts.alt_en
    assert taxonomy.occupations.pref_en == mini.occupations.pref_en
    assert (taxonomy.requirements != mini.requirements).nnz == 0
    assert (taxonomy.related != mini.related).nnz == 0
    assert np.array_equal(taxonomy.concept_kind, mini.concept_kind)
    assert np.array_equal(taxonomy.concept_level, mini.concept_level)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's JSON-LD parser uses ConjunctiveGraph
def test_rdf_xml_and_json_ld_are_read_too(tmp_path, mini):
    graph = rdflib.Graph().parse(MINI, format="turtle")
    for name, fmt in (("mini.rdf", "xml"), ("mini.jsonld", "json-ld")):
        path = tmp_path / name
        graph.serialize(path, format=fmt, encoding="utf-8")
        taxonomy = rdf.load_rdf(path)
        assert taxonomy.concepts.ids == mini.concepts.ids
        assert (taxonomy.requirements != mini.requirements).nnz == 0


# --- problems --------------------------------------------------------------------------------


def test_broken_turtle_names_the_file_and_line(tmp_path):
    bad = write(tmp_path, "broken.ttl", PREFIXES + "\nhc:A a cnlo:HumanCapability ;\n  skos:prefLabel .\n")
    with pytest.raises(TaxonomyError, match=r"broken\.ttl line 7: cannot parse as turtle: .*expected") as err:
        rdf.load_rdf(bad)
    assert err.value.problems[0].line == 7


def test_broken_files_in_a_folder_are_all_reported(tmp_path, monkeypatch):
    monkeypatch.setenv("SKILLMATCH_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "graph"
    folder.mkdir()
    write(folder, "a.ttl", PREFIXES + "hc:A a .\n")
    write(folder, "b.nt", "<http://x/a> <http://x/b> <http://x/c> .\n<http://x/a> oops\n")
    write(folder, "c.rdf", "<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>\n<oops></rdf:RDF>\n")
    with pytest.raises(TaxonomyError, match=r"3 RDF file\(s\)") as err:
        load_taxonomy(folder)
    assert [Path(p.where).name for p in err.value.problems] == ["a.ttl", "b.nt", "c.rdf"]
    assert [p.line for p in err.value.problems[1:]] == [2, 2]
    assert "Invalid line" in err.value.problems[1].message


def test_requiring_an_undeclared_iri_names_occupation_property_and_iri(tmp_path):
    bad = write(tmp_path, "undeclared.ttl", MINIMAL + "occ:X cnlo:requiresHATImportant hc:NOPE .\n")
    with pytest.raises(TaxonomyError, match=r"record '.*/occupation/X' field 'cnlo:requiresHATImportant': "
                                            r"cnlo:requiresHATImportant points to '.*/humancapability/NOPE', "
                                            r"which is not declared") as err:
        rdf.load_rdf(bad)
    (problem,) = err.value.problems
    assert problem.where == "undeclared.ttl"
    assert problem.value == HC + "NOPE"


def test_requires_from_something_not_declared_an_occupation(tmp_path):
    bad = write(tmp_path, "untyped.ttl", MINIMAL + "occ:Y cnlo:requiresHATEssential hc:A, hc:A2 .\n")
    with pytest.raises(TaxonomyError, match=r"occupation/Y'.*uses cnlo:requiresHATEssential but is not declared "
                                            r"a cnlo:Occupation") as err:
        rdf.load_rdf(bad)
    assert len(err.value.problems) == 1  # once per subject and property, not per triple


def test_concept_without_a_dutch_or_english_label(tmp_path):
    bad = write(tmp_path, "unlabelled.ttl", MINIMAL + """
hc:B a cnlo:HumanCapability ; skos:altLabel "Nur ein Alternativname"@de .
hc:C a cnlo:KnowledgeArea ; skos:prefLabel "Pflege"@de .
occ:X cnlo:requiresHATImportant hc:B .
""")
    with pytest.raises(TaxonomyError, match=r"humancapability/B'.*has no preferred label in Dutch or English") as err:
        rdf.load_rdf(bad)
    errors = [p for p in err.value.problems if p.severity == "error"]
    assert [p.record for p in errors] == [HC + "B", HC + "C"]  # both, not only the first
    assert all("found labels only in: de" in p.message for p in errors)


def test_hierarchy_cycle_via_skos_broader(tmp_path):
    bad = write(tmp_path, "cycle.ttl", MINIMAL + """
hc:G1 a cnlo:HumanCapability ; skos:prefLabel "Groep een"@nl ; skos:broader hc:G2 .
hc:G2 a cnlo:HumanCapability ; skos:prefLabel "Groep twee"@nl ; skos:broader hc:G1 .
hc:A skos:broader hc:G1 .
""")
    with pytest.raises(TaxonomyError, match=r"hierarchy cycle: .*G1 -> .*G2 -> .*G1"):
        rdf.load_rdf(bad)


def test_all_problems_are_collected(tmp_path):
    bad = write(tmp_path, "many.ttl", MINIMAL + """
hc:B a cnlo:HumanCapability .
occ:X cnlo:requiresHATSomewhat hc:NOPE1 .
occ:X cnlo:requiresHATSomewhat hc:NOPE2 .
""")
    with pytest.raises(TaxonomyError, match="3 problem") as err:
        rdf.load_rdf(bad)
    assert {p.value for p in err.value.problems if p.value} == {HC + "NOPE1", HC + "NOPE2"}


def test_warnings_are_kept_and_strict_makes_them_errors(tmp_path):
    path = write(tmp_path, "warnings.ttl", MINIMAL + """
occ:X cnlo:requiresHATSomewhat hc:A .
hc:A skos:prefLabel "Zorgen"@nl ; skos:altLabel "Verzorgen"@nl ; skos:broader <http://example.org/elsewhere> ; skos:related occ:X .
""")
    taxonomy = rdf.load_rdf(path)
    messages = [p.message for p in taxonomy.problems]
    assert all(p.severity == "warning" for p in taxonomy.problems)
    assert any("through both cnlo:requiresHATEssential and cnlo:requiresHATSomewhat; kept "
               "cnlo:requiresHATEssential" in m for m in messages)
    assert any("2 Dutch preferred labels" in m for m in messages)
    assert any("skos:broader points to 'http://example.org/elsewhere'" in m for m in messages)
    assert any("skos:related points to" in m for m in messages)
    assert requirement(taxonomy, OCC + "X", HC + "A") == (3, 3.0)
    concept = taxonomy.concept(HC + "A")
    assert (concept.pref_label_nl, concept.alt_labels_nl, concept.broader) == ("Verzorgen", ("Zorgen",), ())
    with pytest.raises(TaxonomyError, match="through both"):
        rdf.load_rdf(path, strict=True)


def test_a_graph_without_competentnl_classes(tmp_path):
    path = write(tmp_path, "other.ttl", "<http://x/a> <http://x/b> <http://x/c> .\n")
    with pytest.raises(TaxonomyError, match=r"no cnlo:Occupation, cnlo:HumanCapability or cnlo:KnowledgeArea found"):
        rdf.load_rdf(path)


def test_empty_folder_and_missing_path(tmp_path):
    with pytest.raises(TaxonomyError, match="no RDF files"):
        rdf.load_rdf(tmp_path)
    with pytest.raises(TaxonomyError, match="no such file"):
        rdf.load_rdf(tmp_path / "missing.ttl")


def test_without_rdflib_the_error_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdflib", None)  # makes `import rdflib` raise ImportError
    with pytest.raises(TaxonomyError, match=r'pip install "skillmatch\[rdf\]"'):
        rdf.load_rdf(MINI)
