"""The ESCO CSV loader (``skillmatch.taxonomy.esco``): a small hand-written download, as files
and as zips, and the real ESCO v1.1.1 set from ``../shared/data`` (skipped when absent)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

from skillmatch.models import IMPORTANCE_CODES
from skillmatch.problems import TaxonomyError
from skillmatch.taxonomy import detect_format, esco, load_taxonomy
from skillmatch.taxonomy import load as load_module

E = "http://data.europa.eu/esco/"
CARE, ANATOMY, PROGRAM, NOTE = (E + f"skill/{x}" for x in ("care", "anatomy", "program", "note"))
G_ROOT, G_CARE = E + "skill/S", E + "skill/S1"
NURSE, PROGRAMMER, GHOST = (E + f"occupation/{x}" for x in ("nurse", "programmer", "ghost"))

SKILLS = f'''conceptType,conceptUri,skillType,reuseLevel,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,scopeNote,definition,inScheme,description
KnowledgeSkillCompetence,{CARE},skill/competence,sector-specific,care for patients,"look after patients
nurse patients
look after patients",,released,,,,,"Provide care, with a comma."
KnowledgeSkillCompetence,{ANATOMY},knowledge,sector-specific,anatomy,,,released,,,,,Knowledge of the body.
KnowledgeSkillCompetence,{PROGRAM},skill/competence,cross-sector,computer programming,"write code
develop software",,released,,,,,Write programs.
KnowledgeSkillCompetence,{NOTE},skill/competence,transversal,take notes,,,released,,,,,
'''
GROUPS = f'''conceptType,conceptUri,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,scopeNote,inScheme,description,code
SkillGroup,{G_CARE},caring,looking after,,released,,,,Caring for people.,S1
'''
HIERARCHY = f'''Level 0 URI,Level 0 preferred term,Level 1 URI,Level 1 preferred term,Level 2 URI,Level 2 preferred term,Level 3 URI,Level 3 preferred term,Description,Scope note,Level 0 code,Level 1 code,Level 2 code,Level 3 code
{G_ROOT},skills,,,,,,,,,S
{G_ROOT},skills,{G_CARE},caring,,,,,,,S,S1
'''
BROADER = f'''conceptType,conceptUri,broaderType,broaderUri
SkillGroup,{G_CARE},SkillGroup,{G_ROOT}
KnowledgeSkillCompetence,{CARE},SkillGroup,{G_CARE}
'''
SKILL_RELATIONS = f'''originalSkillUri,originalSkillType,relationType,relatedSkillType,relatedSkillUri
{CARE},skill/competence,essential,knowledge,{ANATOMY}
{PROGRAM},skill/competence,optional,skill/competence,{NOTE}
{NOTE},skill/competence,optional,skill/competence,{NOTE}
'''
OCCUPATIONS = f'''conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,regulatedProfessionNote,scopeNote,definition,inScheme,description,code
Occupation,{NURSE},2221,nurse,"staff nurse
registered nurse",,released,,,,,,Nurses care.,2221.1
Occupation,{PROGRAMMER},2512,programmer,,,released,,,,,,Programmers program.,2512.1
'''
OCCUPATION_RELATIONS = f'''occupationUri,relationType,skillType,skillUri
{NURSE},essential,skill/competence,{CARE}
{NURSE},optional,knowledge,{ANATOMY}
{PROGRAMMER},essential,skill/competence,{PROGRAM}
{GHOST},essential,skill/competence,{CARE}
{PROGRAMMER},optional,skill/competence,{NOTE}
{GHOST},optional,knowledge,{ANATOMY}
'''
OCCUPATIONS_NL = f'''conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status,modifiedDate,regulatedProfessionNote,scopeNote,definition,inScheme,description,code
Occupation,{NURSE},2221,verpleegkundige,"verpleger
verpleegster",,released,,,,,,Verpleegkundigen zorgen.,2221.1
'''
HIERARCHY_NL = f'''Level 0 URI,Level 0 preferred term,Level 1 URI,Level 1 preferred term,Level 2 URI,Level 2 preferred term,Level 3 URI,Level 3 preferred term
{G_ROOT},vaardigheden,{G_CARE},zorgen,,,,
'''
CLASSIFICATION = {"skills_en.csv": SKILLS, "skillGroups_en.csv": GROUPS, "skillsHierarchy_en.csv": HIERARCHY,
                  "occupations_en.csv": OCCUPATIONS}
RELATIONS = {"broaderRelationsSkillPillar.csv": BROADER, "skillSkillRelations.csv": SKILL_RELATIONS,
             "occupationSkillRelations.csv": OCCUPATION_RELATIONS}


def write_files(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    return folder


def write_zip(path: Path, files: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, "\ufeff" + text)  # with a BOM, as the download has
    return path


@pytest.fixture
def mini(tmp_path) -> Path:
    return write_files(tmp_path / "esco", {**CLASSIFICATION, **RELATIONS})


@pytest.fixture
def dutch(tmp_path) -> Path:
    return write_files(tmp_path / "esco-nl", {"occupations_nl.csv": OCCUPATIONS_NL,
                                              "skillsHierarchy_nl_v1.2.0.csv": HIERARCHY_NL})


def requirement(tx, occupation: str, skill: str) -> tuple[int, float]:
    i, j = tx.occupations.index[occupation], tx.concepts.index[skill]
    return int(tx.requirements[i, j]), float(tx.requirement_levels[i, j])


# --- a small synthetic download ----------------------------------------------------------------------


def test_concepts_and_their_labels(mini):
    tx = esco.load_esco(mini)
    assert tx.name == "ESCO" and detect_format(mini) == "esco"
    assert tx.summary() | {"warnings": 0} == {
        "capabilities": 3, "knowledge_areas": 1, "groups": 2, "broader_links": 2, "related_links": 2,
        "occupations": 2, "requirements": 4, "modules": 0, "paths": 0, "regions": 0, "sectors": 0, "warnings": 0}
    care = tx.concept(CARE)
    # a multi-line quoted field: one label per line, repeats dropped, order kept
    assert care.alt_labels_en == ("look after patients", "nurse patients")
    assert (care.kind, care.pref_label_en, care.definition, care.origin) == (
        "capability", "care for patients", "Provide care, with a comma.", "esco")
    assert tx.concept(ANATOMY).kind == "knowledge"
    assert tx.concept(PROGRAM).alt_labels_en == ("write code", "develop software")
    nurse = tx.occupation(NURSE)
    assert (nurse.pref_label_en, nurse.alt_labels_en, nurse.isco) == ("nurse", ("staff nurse", "registered nurse"), "2221")
    assert nurse.pref_label_nl == "" and tx.occupation_label(tx.occupations.index[NURSE]) == "nurse"


def test_groups_hierarchy_and_related_skills(mini):
    tx = esco.load_esco(mini)
    care_group = tx.concept(G_CARE)
    assert (care_group.kind, care_group.level, care_group.broader, care_group.alt_labels_en) == (
        "group", 1, (G_ROOT,), ("looking after",))
    # a group named only in skillsHierarchy_en.csv is a concept too
    root = tx.concept(G_ROOT)
    assert (root.kind, root.level, root.pref_label_en, root.broader) == ("group", 0, "skills", ())
    assert [tx.concepts.ids[j] for j in tx.ancestors(tx.concepts.index[CARE])] == [G_CARE, G_ROOT]
    i, j, k = (tx.concepts.index[x] for x in (CARE, ANATOMY, PROGRAM))
    assert tx.related[i, j] == tx.related[j, i] == pytest.approx(esco.DEFAULT_RELATED_STRENGTH["essential"])
    assert tx.related[k, tx.concepts.index[NOTE]] == pytest.approx(esco.DEFAULT_RELATED_STRENGTH["optional"])
    tx = esco.load_esco(mini, related_strength={"optional": 0.2})
    assert tx.related[k, tx.concepts.index[NOTE]] == pytest.approx(0.2)


def test_requirements_and_optional_as(mini):
    tx = esco.load_esco(mini)
    assert requirement(tx, NURSE, CARE) == (IMPORTANCE_CODES["essential"], 3.0)
    assert requirement(tx, NURSE, ANATOMY) == (IMPORTANCE_CODES["somewhat"], 3.0)
    assert requirement(tx, PROGRAMMER, NOTE) == (IMPORTANCE_CODES["somewhat"], 3.0)
    tx = esco.load_esco(mini, optional_as="important")
    assert requirement(tx, NURSE, ANATOMY) == (IMPORTANCE_CODES["important"], 3.0)
    assert requirement(tx, NURSE, CARE) == (IMPORTANCE_CODES["essential"], 3.0)
    with pytest.raises(TaxonomyError, match=r"field 'optional_as': expected 'essential', 'important' or 'somewhat' "
                                            r"\(found 'nice'\)"):
        esco.load_esco(mini, optional_as="nice")


def test_dangling_occupation_is_a_warning_with_its_count(mini):
    tx = esco.load_esco(mini)
    assert [(p.severity, p.where, p.line, p.field) for p in tx.problems] == [
        ("warning", "skillSkillRelations.csv", 4, "target"),
        ("warning", "occupationSkillRelations.csv", 5, "occupationUri"),
    ]
    dangling = tx.problems[1]
    assert dangling.value == [GHOST]
    assert str(dangling) == (
        f"warning: occupationSkillRelations.csv line 5 field 'occupationUri': 1 occupation URI(s) in the relations "
        f"have no row in occupations_en.csv; their 2 relation(s) were skipped: {GHOST} (2 relation(s) from line 5)")
    assert tx.requirements.nnz == 4  # the ghost's two relations are not kept


def test_strict_raises_on_the_dangling_occupation(mini):
    with pytest.raises(TaxonomyError, match=rf"2 problem\(s\) in taxonomy .*\n  skillSkillRelations\.csv line 4 field "
                                            rf"'target': a concept related to itself.*\n  occupationSkillRelations\.csv "
                                            rf"line 5 field 'occupationUri': 1 occupation URI\(s\) .*{GHOST}") as err:
        esco.load_esco(mini, strict=True)
    assert all(p.severity == "error" for p in err.value.problems)


def test_dangling_skill_is_counted_apart(mini):
    (mini / "occupationSkillRelations.csv").write_text(
        OCCUPATION_RELATIONS + f"{NURSE},optional,knowledge,{E}skill/gone\n", encoding="utf-8")
    tx = esco.load_esco(mini)
    (skill,) = [p for p in tx.problems if p.field == "skillUri"]
    assert skill.line == 8 and skill.value == [E + "skill/gone"]
    assert "1 skill URI(s) in the relations have no row in skills_en.csv; their 1 relation(s) were skipped" in skill.message


def test_dutch_labels_are_merged_by_uri(mini, dutch):
    tx = esco.load_esco(mini, dutch=dutch)
    nurse = tx.occupation(NURSE)
    assert (nurse.pref_label_nl, nurse.alt_labels_nl) == ("verpleegkundige", ("verpleger", "verpleegster"))
    assert nurse.pref_label_en == "nurse"
    assert tx.occupation(PROGRAMMER).pref_label_nl == ""
    assert tx.occupation_label(tx.occupations.index[PROGRAMMER]) == "programmer"  # falls back to English
    assert (tx.concept(G_CARE).pref_label_nl, tx.concept(G_ROOT).pref_label_nl) == ("zorgen", "vaardigheden")
    with pytest.raises(TaxonomyError, match=r"esco-nl-missing: expected a folder with occupations_nl\.csv"):
        esco.load_esco(mini, dutch=dutch.parent / "esco-nl-missing")


def test_zipped_download_reads_the_same(tmp_path, mini, dutch):
    zipped = tmp_path / "esco-zipped"
    write_zip(zipped / "classification-en-csv.zip", CLASSIFICATION)
    write_zip(zipped / "relations-csv.zip", RELATIONS)
    (zipped / "broken.zip").write_bytes(b"not a zip")  # skipped with a warning, not fatal
    assert detect_format(zipped) == "esco"
    from_zip = load_taxonomy(zipped, dutch=dutch, cache=False)
    from_files = load_taxonomy(mini, dutch=dutch, cache=False)
    assert from_zip.concepts.to_json() == from_files.concepts.to_json()
    assert from_zip.occupations.to_json() == from_files.occupations.to_json()
    assert (from_zip.requirements != from_files.requirements).nnz == 0
    broken, *rest = from_zip.problems
    assert str(broken) == f"warning: {zipped / 'broken.zip'}: not a valid zip archive (File is not a zip file); skipped"
    assert [(p.where, p.line, p.message) for p in rest] == [(p.where, p.line, p.message) for p in from_files.problems]


def test_line_numbers_count_the_lines_inside_quoted_fields(mini):
    # header 1, care 2-4, anatomy 5, programming 6-7, notes 8: the new record starts on line 9
    (mini / "skills_en.csv").write_text(SKILLS + "KnowledgeSkillCompetence,http://data.europa.eu/esco/skill/x,"
                                                 "skill/competence,,,,,,,,,,\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"skills_en\.csv line 9 record '.*/skill/x': a concept needs a Dutch or "
                                            r"an English preferred label"):
        esco.load_esco(mini)


def test_a_rejected_row_is_reported_once_not_again_for_its_relations(mini):
    (mini / "occupations_en.csv").write_text(OCCUPATIONS.replace(",2512,", ",25120,"), encoding="utf-8")
    (mini / "skills_en.csv").write_text(SKILLS.replace(",anatomy,", ",,"), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"^2 problem") as err:
        esco.load_esco(mini)
    assert [(p.where, p.line, p.record, p.field) for p in err.value.problems] == [
        ("skills_en.csv", 5, ANATOMY, None),
        ("skillSkillRelations.csv", 4, None, "target"),  # the self-relation, a warning
        ("occupations_en.csv", 4, PROGRAMMER, "isco"),
        ("occupationSkillRelations.csv", 5, None, "occupationUri"),  # the ghost, a warning
    ]
    assert "(found '25120')" in str(err.value)


def test_bad_relation_types_name_file_line_and_value(mini):
    (mini / "skillSkillRelations.csv").write_text(SKILL_RELATIONS.replace(",essential,", ",required,"),
                                                  encoding="utf-8")
    (mini / "occupationSkillRelations.csv").write_text(OCCUPATION_RELATIONS.replace(",optional,knowledge,", ",maybe,knowledge,", 1),
                                                       encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"2 problem.*\n  skillSkillRelations\.csv line 2 field 'relationType': "
                                            r"expected relationType in \['essential', 'optional'\] \(found 'required'\)"
                                            r"\n  occupationSkillRelations\.csv line 3 field 'relationType': expected "
                                            r"relationType 'essential' or 'optional' \(found 'maybe'\)"):
        esco.load_esco(mini)


def test_missing_files(tmp_path, mini):
    (mini / "occupationSkillRelations.csv").unlink()
    (mini / "occupations_en.csv").unlink()
    with pytest.raises(TaxonomyError, match=r"not a taxonomy skillmatch can read"):
        detect_format(mini)
    with pytest.raises(TaxonomyError, match=r"esco: ESCO file occupations_en\.csv not found \(as a file or inside a "
                                            r"zip directly in this folder\)\n  .*esco: ESCO file "
                                            r"occupationSkillRelations\.csv not found"):
        esco.load_esco(mini)


def test_only_the_three_required_files(tmp_path):
    folder = write_files(tmp_path / "esco-min", {"skills_en.csv": SKILLS, "occupations_en.csv": OCCUPATIONS,
                                                 "occupationSkillRelations.csv": OCCUPATION_RELATIONS})
    tx = esco.load_esco(folder)
    assert (tx.summary()["groups"], tx.broader.nnz, tx.related.nnz, tx.requirements.nnz) == (0, 0, 0, 4)


def test_missing_column(mini):
    (mini / "occupations_en.csv").write_text(OCCUPATIONS.replace("iscoGroup", "isco"), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"occupations_en\.csv line 1: missing column\(s\) \['iscoGroup'\]"):
        esco.load_esco(mini)


# --- finding the files: only the named folder, and what is skipped --------------------------------------


def no_walking(monkeypatch) -> None:
    """Make any recursive search of the file system fail the test."""
    def walk(*args, **kwargs):
        raise AssertionError("source detection must not search subfolders")

    monkeypatch.setattr(Path, "rglob", walk)
    monkeypatch.setattr("os.walk", walk)


def test_the_root_folder_is_refused_at_once(monkeypatch):
    no_walking(monkeypatch)
    with pytest.raises(TaxonomyError, match=r"^1 problem\(s\) in the input:\n  /: not a taxonomy skillmatch can read"):
        load_taxonomy("/")


def test_only_the_named_folder_is_searched(tmp_path, monkeypatch):
    no_walking(monkeypatch)
    projects = tmp_path / "projects"
    write_files(projects / "a" / "b" / "esco", {**CLASSIFICATION, **RELATIONS})  # a whole download, three levels down
    (projects / "a" / "old.zip").parent.mkdir(parents=True, exist_ok=True)
    (projects / "a" / "old.zip").write_bytes(b"PK\x03\x04 damaged")
    with pytest.raises(TaxonomyError, match=r"projects: not a taxonomy skillmatch can read") as err:
        load_taxonomy(projects)
    assert len(err.value.problems) == 1 and "old.zip" not in str(err.value)  # never named, never opened
    assert not esco.is_esco(projects) and esco.is_esco(projects / "a" / "b" / "esco")


def test_a_dangling_link_for_a_required_file_is_named(mini):
    target = mini / "moved-away.csv"
    (mini / "occupations_en.csv").unlink()
    (mini / "occupations_en.csv").symlink_to(target)
    link = re.escape(str(mini / "occupations_en.csv"))
    with pytest.raises(TaxonomyError, match=rf"not a taxonomy skillmatch can read.*\n  {link}: is a symbolic link to "
                                            rf"'{re.escape(str(target))}', which does not exist or cannot be reached; "
                                            r"skipped"):
        detect_format(mini)
    with pytest.raises(TaxonomyError, match=rf"ESCO file occupations_en\.csv not found .*\n  {link}: is a symbolic "
                                            r"link to .*; skipped") as err:
        esco.load_esco(mini)
    assert [p.severity for p in err.value.problems] == ["error", "error"]


def test_a_dangling_link_for_an_optional_file_or_zip_is_a_warning(mini, dutch):
    (mini / "skillSkillRelations.csv").unlink()
    (mini / "skillSkillRelations.csv").symlink_to(mini / "nowhere.csv")
    (mini / "extra.zip").symlink_to(mini / "nowhere.zip")
    (dutch / "gone_nl.csv").symlink_to(dutch / "nowhere.csv")
    tx = load_taxonomy(mini, dutch=dutch, cache=False)
    skipped = {p.where: p.message for p in tx.problems if p.message.endswith("; skipped")}
    assert skipped == {
        str(mini / "extra.zip"): f"is a symbolic link to {str(mini / 'nowhere.zip')!r}, which does not exist or "
                                 "cannot be reached; skipped",
        str(mini / "skillSkillRelations.csv"): f"is a symbolic link to {str(mini / 'nowhere.csv')!r}, which does not "
                                               "exist or cannot be reached; skipped",
        str(dutch / "gone_nl.csv"): f"is a symbolic link to {str(dutch / 'nowhere.csv')!r}, which does not exist or "
                                    "cannot be reached; skipped",
    }
    assert tx.related.nnz == 0 and tx.occupation(NURSE).pref_label_nl == "verpleegkundige"
    assert all(p.severity == "warning" for p in tx.problems)


def test_a_folder_named_like_an_esco_file_is_skipped(mini):
    (mini / "skillGroups_en.csv").unlink()
    (mini / "skillGroups_en.csv").mkdir()
    tx = esco.load_esco(mini)
    assert f"warning: {mini / 'skillGroups_en.csv'}: is not a file; skipped" in [str(p) for p in tx.problems]


def test_a_folder_that_cannot_be_listed(mini, monkeypatch):
    def refuse(self):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", refuse)
    assert esco._locate(mini) == ({}, [esco.Problem("cannot list the folder: Permission denied", where=str(mini),
                                                    severity="warning")])
    assert not esco.is_esco(mini)


def test_a_truncated_zip_is_named_as_not_a_valid_zip_archive(tmp_path):
    folder = tmp_path / "esco-zipped"
    data = write_zip(folder / "classification-en-csv.zip", CLASSIFICATION).read_bytes()
    (folder / "classification-en-csv.zip").write_bytes(data[: len(data) // 2])
    write_zip(folder / "relations-csv.zip", RELATIONS)
    zip_path = re.escape(str(folder / "classification-en-csv.zip"))
    with pytest.raises(TaxonomyError, match=rf"not a taxonomy skillmatch can read.*\n  {zip_path}: not a valid zip "
                                            r"archive \(File is not a zip file\); skipped"):
        load_taxonomy(folder)


@pytest.mark.parametrize("garbage", [b"\x00\x01\x02\x03", b'"",",",",",', b"care  for patients", b"b"])
def test_a_damaged_zip_member_is_named_as_not_a_valid_zip_archive(tmp_path, garbage):
    """Bytes changed inside a member (the directory intact): the member's checksum fails.
    Garbage that breaks the CSV first (NUL bytes, quotes, commas; the checksum is checked at
    the member's end, far behind) is still reported as the damaged zip; one changed letter
    reads as CSV and fails at the end."""
    folder = tmp_path / "esco-zipped"
    archive = folder / "classification-en-csv.zip"
    padding = "".join(f"KnowledgeSkillCompetence,{E}skill/pad{k},skill/competence,,pad {k},,,released,,,,,\n"
                      for k in range(3000))
    with zipfile.ZipFile(write_files(folder, {}) / archive.name, "w", zipfile.ZIP_STORED) as out:
        for name, text in {**CLASSIFICATION, "skills_en.csv": SKILLS + padding}.items():
            out.writestr(name, text)
    write_zip(folder / "relations-csv.zip", RELATIONS)
    data = archive.read_bytes()
    at = data.index(b"care for patients")
    archive.write_bytes(data[:at] + garbage + data[at + len(garbage):])
    with pytest.raises(TaxonomyError, match=rf"^1 problem.*\n  {re.escape(str(archive))}: not a valid zip archive "
                                            r"\(BadZipFile reading 'skills_en\.csv': Bad CRC-32 for file "
                                            r"'skills_en\.csv'\)$"):
        load_taxonomy(folder, cache=False)


def test_the_hierarchy_files_may_leave_empty_cells_out_but_other_files_not(mini):
    # HIERARCHY's rows are short, as ESCO writes them (see test_groups_hierarchy_and_related_skills)
    short = OCCUPATIONS.replace(",Programmers program.,2512.1\n", "\n")
    (mini / "occupations_en.csv").write_text(short, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"occupations_en\.csv line 4: 12 fields where the header has 14 \(cells "
                                            r"missing at the end of the line\?\)"):
        esco.load_esco(mini)


def test_a_stray_quote_in_an_esco_file_names_file_and_line(mini):
    (mini / "occupations_en.csv").write_text(OCCUPATIONS.replace(",2512,programmer,", ',2512,"programmer,'),
                                             encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"occupations_en\.csv line 4: a quoted value opened in this record is "
                                            r"never closed: the file ends inside it at line 4; a stray '\"' at the "
                                            r"start of a field\?"):
        esco.load_esco(mini)


# --- the real ESCO v1.1.1 set -------------------------------------------------------------------------

DANGLING = "http://data.europa.eu/esco/occupation/a9e54177-a185-404d-b6e6-15663d31137e"
#: v1.1.1 names these groups in skillsHierarchy_en.csv only, not in skillGroups_en.csv
HIERARCHY_ONLY = {
    "0526c9cb-c8a4-498e-8498-d0e2d14ac626": (3, "positioning materials, tools or equipment"),
    "09d763a0-cc22-4ea7-9c36-3d9dd500d050": (3, "installing wooden structural components"),
    "1e924921-b7ff-4326-a698-c8275bbcf60d": (2, "positioning materials, tools or equipment"),
    "966246a4-6e72-4c60-be46-7cd61ba46942": (3, "administering human resources"),
    "998d0ed8-21ee-4f1d-8906-f141136db5d9": (3, "assisting people with paperwork"),
    "ca8723d6-d9fe-42fd-ac14-ba6bb5b0f6c2": (3, "positioning tools or equipment"),
    "e747e5ec-c0be-4662-b62f-43e0ae344e50": (3, "positioning workpieces or materials"),
}


def test_real_esco_counts(esco):
    s = esco.summary()
    assert s["capabilities"] + s["knowledge_areas"] == 13_896
    assert (s["capabilities"], s["knowledge_areas"]) == (10_837, 3_059)
    assert s["occupations"] == 3_007
    assert s["requirements"] == 123_788
    assert s["groups"] == 640 + 7
    assert s["broader_links"] == 20_656


def test_real_esco_relations_add_up_to_the_file(esco, shared_data):
    with zipfile.ZipFile(shared_data / "esco-v1.1.1" / "relations-csv.zip") as archive, \
            archive.open("occupationSkillRelations.csv") as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")))
    assert len(rows) == 123_855
    skipped = [n for n, row in enumerate(rows, 2) if row["occupationUri"] == DANGLING]
    assert len(skipped) == 67
    assert esco.requirements.nnz + len(skipped) == len(rows)
    (dangling,) = [p for p in esco.problems if p.field == "occupationUri"]
    assert dangling.line == skipped[0]


def test_real_esco_reports_the_one_dangling_occupation(esco):
    assert all(p.severity == "warning" for p in esco.problems)
    (dangling,) = [p for p in esco.problems if "have no row" in p.message]
    assert (dangling.where, dangling.field, dangling.value) == ("occupationSkillRelations.csv", "occupationUri",
                                                               [DANGLING])
    assert f"1 occupation URI(s) in the relations have no row in occupations_en.csv; their 67 relation(s) were " \
           f"skipped: {DANGLING}" in dangling.message
    assert DANGLING not in esco.occupations.index


def test_real_esco_strict_raises_naming_the_dangling_occupation(shared_data):
    with pytest.raises(TaxonomyError, match=rf"occupationSkillRelations\.csv line \d+ field 'occupationUri': 1 "
                                            rf"occupation URI\(s\) .* skipped: {DANGLING}"):
        load_taxonomy(shared_data / "esco-v1.1.1", strict=True)


def test_real_esco_dutch_labels(esco):
    assert all(esco.occupations.pref_nl)  # every occupation has its Dutch label
    assert sum(1 for alt in esco.occupations.alt_nl if alt) > 2_500
    i = esco.occupations.index[E + "occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"]
    assert (esco.occupation_label(i), esco.occupation_label(i, "en")) == ("inspiciënt", "technical director")
    assert "toneelmeester" in esco.occupations.alt_nl[i]
    assert esco.occupation_isco[i] == "2654"
    groups = np.flatnonzero(esco.concept_kind == 2)
    assert sum(1 for g in groups if esco.concepts.pref_nl[g]) >= 600


def test_real_esco_groups_only_in_the_hierarchy_file(esco):
    for suffix, (level, label) in HIERARCHY_ONLY.items():
        group = esco.concept(E + "skill/" + suffix)
        assert (group.kind, group.level, group.pref_label_en) == ("group", level, label)


def test_real_esco_multi_line_labels(esco):
    skill = esco.concept(E + "skill/0005c151-5b5a-4a66-8aac-60e734beb1ab")
    assert skill.pref_label_en == "manage musical staff"
    assert skill.alt_labels_en[:2] == ("manage staff of music", "coordinate duties of musical staff")
    assert all("\n" not in label for label in skill.alt_labels_en)


def test_real_esco_second_load_reads_the_cache(esco, shared_data, monkeypatch):
    def no_parsing(*args, **kwargs):
        raise AssertionError("the second load should read the compiled cache")

    monkeypatch.setattr(load_module.esco, "load_esco", no_parsing)
    again = load_taxonomy(shared_data / "esco-v1.1.1", dutch=shared_data / "esco-v1.1.1-nl")
    assert again.summary() == esco.summary()
    assert again.problems == esco.problems
    assert (again.requirements != esco.requirements).nnz == 0
