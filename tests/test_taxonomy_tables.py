"""Reading the CSV tables (``skillmatch.taxonomy.tables``): what breaks a table, and that
every such file is reported with its name and line instead of loading wrongly or raising
from inside (a stray quote, a file in another encoding than UTF-8, a record with fewer
fields than the header)."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest

from skillmatch.problems import TaxonomyError
from skillmatch.taxonomy import load_taxonomy, native, tables
from skillmatch.taxonomy.tables import open_text, read_table

ZORGHULP = "https://linkeddata.competentnl.nl/uwv/id/occupation/FC998381F9"


def read(text: str, *, ragged: bool = False) -> list[tuple[int, dict[str, str]]]:
    return list(read_table(io.StringIO(text, newline=""), "t.csv", ragged=ragged))


# --- quoting ---------------------------------------------------------------------------------------


def test_a_stray_quote_in_occupations_csv_is_an_error_not_a_lost_label(taxonomy_copy):
    """The case from the issue: '"' before the label joined it with the next four fields, and
    the occupation silently lost its English label, ISCO code and sector."""
    path = taxonomy_copy.path / "occupations.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[1].startswith(f"{ZORGHULP},Zorghulp,")
    lines[1] = lines[1].replace(",Zorghulp,", ',"Zorghulp,', 1)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"^1 problem\(s\) in the input:\n  occupations\.csv line 2: a quoted value "
                                            r"ends and other text follows where a comma or the end of the line was "
                                            r"expected: a stray '\"' at the start of a field, or a '\"' inside a "
                                            r"quoted value that is not doubled\? \(RFC 4180 quoting\)$") as err:
        load_taxonomy(taxonomy_copy.path, cache=False)
    assert [(p.where, p.line) for p in err.value.problems] == [("occupations.csv", 2)]


def test_a_stray_quote_in_a_file_without_quotes_runs_to_the_end(taxonomy_copy):
    rows = taxonomy_copy.rows("requirements.csv")
    path = taxonomy_copy.path / "requirements.csv"
    text = path.read_text(encoding="utf-8").replace(f"{ZORGHULP},", f'{ZORGHULP},"', 1)
    path.write_text(text, encoding="utf-8")
    assert '"' not in text.split('"', 1)[1]  # nothing closes it
    with pytest.raises(TaxonomyError, match=rf"requirements\.csv line 2: a quoted value opened in this record is "
                                            rf"never closed: the file ends inside it at line {len(rows)}; a stray "
                                            r"'\"' at the start of a field\?"):
        native.load_native(taxonomy_copy.path)


def test_a_stray_quote_that_finds_a_partner_leaves_too_few_fields(taxonomy_copy):
    path = taxonomy_copy.path / "regions.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first, second = lines[1].split(",", 1), lines[2].rstrip("\n")
    lines[1] = f'{first[0]},"{first[1]}'  # a quote before the second field of line 2 ...
    lines[2] = f'{second}"\n'  # ... and one at the end of line 3 that closes it
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"regions\.csv line 2: 2 fields where the header has 5; the record runs "
                                            r"from line 2 to line 3 \(the value of column 'name' holds commas or line "
                                            r"breaks \('.*'\.\.\.\): a stray '\"' at its start that joins the fields "
                                            r"after it\?\)"):
        native.load_native(taxonomy_copy.path)


def test_a_row_with_cells_missing_at_the_end(taxonomy_copy):
    path = taxonomy_copy.path / "sectors.csv"
    with open(path, "a", encoding="utf-8") as stream:
        stream.write("extra,Extra\n")
    line = len(taxonomy_copy.rows("sectors.csv"))
    header = len(taxonomy_copy.rows("sectors.csv")[0])
    with pytest.raises(TaxonomyError, match=rf"sectors\.csv line {line}: 2 fields where the header has {header} "
                                            r"\(cells missing at the end of the line\?\)"):
        native.load_native(taxonomy_copy.path)


@pytest.mark.parametrize("text, pattern", [
    ('a,b\n1,"x"y\n', r"line 2: a quoted value ends and other text follows"),
    ('a,b\n1,"x\n2,y\n', (r"line 2: a quoted value opened in this record is never closed: the file ends inside it at "
                          r"line 3")),
    ('a,"b\n', r"line 1: a quoted value opened in this record is never closed"),
    ('a,b,c\n1,"x,y\n2,p,q"\n', (r"line 2: 2 fields where the header has 3; the record runs from line 2 to line 3 "
                                 r"\(the value of column 'b' holds commas or line breaks \('x,y\\n2,p,q'\.\.\.\)")),
    ("a,b,c\n1,2\n", r"line 2: 2 fields where the header has 3 \(cells missing at the end of the line\?\)"),
    ("a,b\n1,2,3\n", r"line 2: 3 fields where the header has 2 \(a value with a comma that is not quoted\?\)"),
])
def test_what_breaks_a_table(text, pattern):
    with pytest.raises(TaxonomyError, match=r"t\.csv " + pattern):
        read(text)


def test_what_does_not_break_a_table():
    # a multi-line quoted value (ESCO's labels), doubled quotes, an empty line, a quoted empty value
    text = 'a,b\n1,"x\ny, z"\n\n2,"say ""hi"""\n3,""\n'
    assert read(text) == [(2, {"a": "1", "b": "x\ny, z"}), (5, {"a": "2", "b": 'say "hi"'}),
                          (6, {"a": "3", "b": ""})]
    # ragged: ESCO's hierarchy files leave empty cells at the end out
    assert read("a,b,c\n1,2\n", ragged=True) == [(2, {"a": "1", "b": "2", "c": ""})]


# --- encodings ---------------------------------------------------------------------------------------


def first_non_ascii(text: str) -> tuple[int, int, int, str]:
    """(line, column, byte offset in Latin-1, character) of the first non-ASCII character."""
    at = next(k for k, ch in enumerate(text) if ord(ch) > 127)
    line = text.count("\n", 0, at) + 1
    column = at - (text.rfind("\n", 0, at) + 1) + 1
    return line, column, at, text[at]


def test_a_latin1_file_names_line_column_and_byte_offset(taxonomy_copy):
    path = taxonomy_copy.path / "capabilities.csv"
    text = path.read_text(encoding="utf-8")
    line, column, offset, char = first_non_ascii(text)
    assert char.encode("latin-1")  # the shipped file has accented letters: Hygiënisch, ...
    path.write_bytes(text.encode("latin-1"))
    expected = (rf"^1 problem\(s\) in the input:\n  capabilities\.csv line {line}: byte {char.encode('latin-1').hex()} "
                rf"at column {column} \(byte offset {offset}, after '[^']*'\) is not UTF-8: a Latin-1 or "
                r"Windows-1252 file\? expected UTF-8; save the file as UTF-8 \(in a spreadsheet: 'CSV UTF-8'\)$")
    with pytest.raises(TaxonomyError, match=expected) as err:
        load_taxonomy(taxonomy_copy.path, cache=False)
    (problem,) = err.value.problems
    assert (problem.where, problem.line) == ("capabilities.csv", line)


def test_a_latin1_byte_far_into_the_file(taxonomy_copy):
    """Past the first block the text reader decodes: the line is still the line in the file."""
    rows = taxonomy_copy.rows("requirements.csv")
    path = taxonomy_copy.path / "requirements.csv"
    data = path.read_bytes()
    assert data.isascii() and len(data) > 100_000 and data.endswith(b"\n")
    path.write_bytes(data + b"urn:x,urn:y,essenti\xebl,3\n")
    column = len("urn:x,urn:y,essenti") + 1
    with pytest.raises(TaxonomyError, match=rf"requirements\.csv line {len(rows) + 1}: byte eb at column {column} "
                                            rf"\(byte offset {len(data) + column - 1}, after 'urn:x,urn:y,essenti'\)"):
        native.load_native(taxonomy_copy.path)


@pytest.mark.parametrize("encoding, name, bom", [
    ("utf-16", "UTF-16 (little-endian)", "FF FE"),
    ("utf-16-be", "UTF-16 (big-endian)", "FE FF"),
    ("utf-32", "UTF-32 (little-endian)", "FF FE 00 00"),
])
def test_a_utf16_or_utf32_file_is_named_by_its_byte_order_mark(taxonomy_copy, encoding, name, bom):
    path = taxonomy_copy.path / "occupations.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(("\ufeff" if encoding == "utf-16-be" else "").encode(encoding) + text.encode(encoding))
    with pytest.raises(TaxonomyError, match=rf"^1 problem\(s\) in the input:\n  occupations\.csv line 1: the file is "
                                            rf"{re.escape(name)}: it starts with that encoding's byte-order mark {bom}; "
                                            r"expected UTF-8; save the file as UTF-8"):
        load_taxonomy(taxonomy_copy.path, cache=False)


def test_a_utf16_file_without_a_byte_order_mark(taxonomy_copy):
    path = taxonomy_copy.path / "sectors.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16-le"))
    with pytest.raises(TaxonomyError, match=r"sectors\.csv line 1: the file holds NUL bytes \(the first at byte offset "
                                            r"1\): not UTF-8 text, perhaps UTF-16 without a byte-order mark; expected "
                                            r"UTF-8"):
        native.load_native(taxonomy_copy.path)


def test_a_utf8_byte_order_mark_is_fine(taxonomy_copy, shipped):
    path = taxonomy_copy.path / "occupations.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert native.load_native(taxonomy_copy.path).occupations.ids == shipped.occupations.ids


def test_validate_reports_an_encoding_problem_in_one_line(taxonomy_copy, capsys):
    """``skillmatch validate`` printed a 25-line traceback for a Latin-1 file."""
    from skillmatch.cli import EXIT_PROBLEMS, main

    path = taxonomy_copy.path / "capabilities.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    assert main(["validate", str(taxonomy_copy.path)]) == EXIT_PROBLEMS
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert re.fullmatch(r"capabilities\.csv line \d+: byte e\w at column \d+ .* is not UTF-8: .*", lines[0])
    assert lines[1:] == ["", f"{taxonomy_copy.path}: 1 error(s), 0 warning(s)"]
    assert "Traceback" not in captured.out + captured.err


def test_a_latin1_member_of_a_zip_names_the_member_and_the_archive(tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("folder/skills_en.csv", "id,label\nx,caf\xe9\n".encode("latin-1"))
    with pytest.raises(TaxonomyError, match=rf"skills_en\.csv line 2: byte e9 at column 6 \(byte offset 14, after "
                                            rf"'x,caf'\) is not UTF-8 \(in {re.escape(str(archive))}\): a Latin-1"), \
            open_text(archive, "folder/skills_en.csv") as stream:
        list(read_table(stream, "skills_en.csv"))


def test_nul_bytes_past_the_start_of_a_file(taxonomy_copy):
    rows = taxonomy_copy.rows("requirements.csv")
    with open(taxonomy_copy.path / "requirements.csv", "a", encoding="utf-8") as stream:
        stream.write("a,c\x00d,essential,3\n")
    with pytest.raises(TaxonomyError, match=rf"requirements\.csv line {len(rows) + 1}: the value of column 'concept' "
                                            r"holds a NUL byte: not text \(binary data, or UTF-16 text\?\); expected "
                                            r"UTF-8"):
        native.load_native(taxonomy_copy.path)


def test_helpers_say_what_they_can_when_the_cause_is_unknown(tmp_path):
    """Fallbacks for a csv message of another Python version, and a decode error not found again."""
    problem = tables._malformed(csv.Error("something new"), "t.csv", 4, 4)
    assert str(problem) == "t.csv line 4: cannot read the record as CSV: something new"
    ok = tmp_path / "ok.csv"
    ok.write_text("a\n", encoding="utf-8")
    assert str(tables._not_utf8(ok, None)) == ("ok.csv: the file is not UTF-8; expected UTF-8; save the file as UTF-8 "
                                               "(in a spreadsheet: 'CSV UTF-8')")


def test_a_folder_where_a_file_was_expected(tmp_path):
    with pytest.raises(TaxonomyError, match=rf"{re.escape(str(tmp_path))}: cannot read the file: Is a directory"), \
            open_text(tmp_path):
        pass
    assert tables.unreadable(tmp_path) == "is not a file"
    assert tables.unreadable(tmp_path / "missing") == "does not exist"


# --- files that are not there ------------------------------------------------------------------------


def test_a_dangling_link_for_an_optional_table_is_a_warning(taxonomy_copy, shipped):
    (taxonomy_copy.path / "regions.csv").unlink()
    (taxonomy_copy.path / "regions.csv").symlink_to(taxonomy_copy.path / "moved.csv")
    # the modules name regions, which are now unknown: leave them out of this test
    rows = taxonomy_copy.rows("modules.csv")
    column = rows[0].index("regions")
    taxonomy_copy.write("modules.csv", [rows[0]] + [[*r[:column], "*", *r[column + 1:]] for r in rows[1:]])
    tx = native.load_native(taxonomy_copy.path)
    assert [str(p) for p in tx.problems] == [
        (f"warning: regions.csv: is a symbolic link to {str(taxonomy_copy.path / 'moved.csv')!r}, which does not exist "
         "or cannot be reached; the table was skipped")]
    assert tx.regions == [] and tx.n_occupations == shipped.n_occupations


def test_a_dangling_link_for_a_required_table_is_named(taxonomy_copy):
    (taxonomy_copy.path / "requirements.csv").unlink()
    (taxonomy_copy.path / "requirements.csv").symlink_to("/nowhere/requirements.csv")
    with pytest.raises(TaxonomyError, match=r"requirements\.csv: required table requirements\.csv is missing: it is a "
                                            r"symbolic link to '/nowhere/requirements\.csv', which does not exist"):
        load_taxonomy(taxonomy_copy.path, cache=False)


def test_a_dangling_link_as_the_path_itself(tmp_path):
    (tmp_path / "taxonomy").symlink_to(tmp_path / "gone")
    with pytest.raises(TaxonomyError, match=r"taxonomy: is a symbolic link to '.*gone', which does not exist"):
        load_taxonomy(tmp_path / "taxonomy")
    with pytest.raises(TaxonomyError, match=r"missing: no such file or folder"):
        load_taxonomy(tmp_path / "missing")
