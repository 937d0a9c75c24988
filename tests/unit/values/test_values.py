"""values.read_values: one value a line, or a CSV/TSV table with a header."""

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterstream.errors import ValuesError
from jupyterstream.values.read import Row, check_name, read_values


def texts(rows):
    return [row.texts for row in rows]


# --- one value a line -------------------------------------------------------------------------


def test_one_value_a_line_feeds_the_named_parameter_with_line_numbers(write_file):
    rows = read_values(write_file("v.txt", "AL\nCA\n"), param="county")
    assert rows == [Row(1, {"county": "AL"}), Row(2, {"county": "CA"})]


def test_blank_lines_and_comments_are_ignored_and_lines_keep_their_numbers(write_file):
    path = write_file("v.txt", "# states\n\nAL\n   \n  # indented comment\nCA\n")
    rows = read_values(path)
    assert [(r.line, r.texts["state"]) for r in rows] == [(3, "AL"), (6, "CA")]


def test_surrounding_spaces_are_trimmed(write_file):
    assert texts(read_values(write_file("v.txt", "  AL \t\nNew York  \n"))) == [
        {"state": "AL"}, {"state": "New York"}]


def test_inner_hash_is_part_of_the_value(write_file):
    assert texts(read_values(write_file("v.txt", "a#b\n"))) == [{"state": "a#b"}]


def test_last_line_without_newline_is_read(write_file):
    assert texts(read_values(write_file("v.txt", "AL\nCA"))) == [{"state": "AL"}, {"state": "CA"}]


def test_crlf_line_ends_are_accepted_and_values_are_not_mangled(write_file):
    rows = read_values(write_file("v.txt", "AL\r\nNew York\r\n\r\n# c\r\nCA\r\n"))
    assert [(r.line, r.texts["state"]) for r in rows] == [(1, "AL"), (2, "New York"), (5, "CA")]
    assert all("\r" not in r.texts["state"] for r in rows)


def test_duplicate_value_is_an_error_naming_file_and_both_lines(write_file):
    path = write_file("v.txt", "AL\n# comment\nCA\nAL\n")
    with pytest.raises(ValuesError) as info:
        read_values(path)
    assert info.value.path == str(path) and info.value.line == 4
    assert f"{path}:4" in str(info.value) and "duplicate of line 1" in str(info.value)


def test_values_that_differ_only_by_surrounding_spaces_are_duplicates(write_file):
    with pytest.raises(ValuesError, match="duplicate of line 1"):
        read_values(write_file("v.txt", "AL\n  AL  \n"))


def test_empty_file_is_an_error(write_file):
    path = write_file("v.txt", "")
    with pytest.raises(ValuesError, match="no values") as info:
        read_values(path)
    assert str(path) in str(info.value)


def test_file_of_only_comments_and_blank_lines_is_an_error(write_file):
    with pytest.raises(ValuesError, match="no values"):
        read_values(write_file("v.txt", "# one\n\n   \n# two\n"))


def test_missing_file_is_a_values_error(tmp_path):
    with pytest.raises(ValuesError, match="no such file"):
        read_values(tmp_path / "nope.txt")


def test_a_folder_is_a_values_error_not_a_crash(tmp_path):
    with pytest.raises(ValuesError, match="cannot be read"):
        read_values(tmp_path)


def test_non_utf8_byte_is_an_error_naming_its_line(write_file):
    path = write_file("v.txt", b"AL\nCA\nS\xe3o Paulo\n")
    with pytest.raises(ValuesError, match="not UTF-8") as info:
        read_values(path)
    assert info.value.line == 3 and f"{path}:3" in str(info.value)
    assert "0xe3" in str(info.value)


def test_byte_order_mark_is_an_error(write_file):
    with pytest.raises(ValuesError, match="byte-order mark") as info:
        read_values(write_file("v.txt", "\ufeffAL\nCA\n"))
    assert info.value.line == 1


def test_byte_order_mark_in_a_csv_is_an_error(write_file):
    with pytest.raises(ValuesError, match="byte-order mark"):
        read_values(write_file("v.csv", "\ufeffstate\nAL\n"))


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\t", "\x7f", "\x9f"])
def test_control_character_inside_a_txt_value_is_an_error_naming_the_line(write_file, char):
    path = write_file("v.txt", f"AL\nC{char}A\n")
    with pytest.raises(ValuesError, match="control character") as info:
        read_values(path)
    assert info.value.line == 2


@pytest.mark.parametrize("char", ["\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\u2029"])
def test_line_breaking_control_character_inside_a_txt_value_is_an_error(write_file, char):
    with pytest.raises(ValuesError, match="control character"):
        read_values(write_file("v.txt", f"AL\nC{char}A\n"))


def test_line_numbers_count_only_real_line_ends(write_file):
    with pytest.raises(ValuesError) as info:
        read_values(write_file("v.txt", "CA\nNY\nA\x0cB\n"))
    assert info.value.line == 3


def test_invalid_param_name_for_a_txt_file_is_an_error(write_file):
    with pytest.raises(ValuesError, match="not a valid parameter name"):
        read_values(write_file("v.txt", "AL\n"), param="class")


# --- CSV / TSV tables ------------------------------------------------------------------------


def test_csv_with_header_gives_one_row_per_job_and_a_parameter_per_column(write_file):
    rows = read_values(write_file("grid.csv", "n,ratio,code\n7,0.25,06\n8,0.5,07\n"))
    assert rows == [Row(2, {"n": "7", "ratio": "0.25", "code": "06"}),
                    Row(3, {"n": "8", "ratio": "0.5", "code": "07"})]


def test_tsv_is_split_on_tabs_only(write_file):
    rows = read_values(write_file("grid.TSV", "a\tb\nx, y\tz\n"))
    assert texts(rows) == [{"a": "x, y", "b": "z"}]


def test_csv_header_names_are_trimmed_but_field_values_are_kept_exactly(write_file):
    rows = read_values(write_file("grid.csv", " a , b\n x ,\" y \"\n"))
    assert texts(rows) == [{"a": " x ", "b": " y "}]


def test_unquoted_csv_fields_with_spaces_around_them_are_kept_and_warned_about_once_naming_the_first(write_file,
                                                                                                    capsys):
    path = write_file("grid.csv", 'state,note\n"New\nYork",x\n AL ,"kept "\n"  CA",y\nTX,\t z\n')
    assert texts(read_values(path)) == [{"state": "New\nYork", "note": "x"}, {"state": " AL ", "note": "kept "},
                                        {"state": "  CA", "note": "y"}, {"state": "TX", "note": "\t z"}]
    warning = capsys.readouterr().err
    assert warning.count("warning") == 1
    assert f"{path}:4: the state value ' AL ' has spaces around it (and 1 more field(s) like it); they are kept" in warning


def test_quoted_csv_fields_with_spaces_around_them_are_kept_without_a_warning(write_file, capsys):
    assert texts(read_values(write_file("grid.tsv", 'a\tb\n" x "\t"y\t"\n'))) == [{"a": " x ", "b": "y\t"}]
    assert capsys.readouterr().err == ""


def test_quoted_csv_field_with_newline_and_comma_survives_exactly(write_file):
    path = write_file("grid.csv", 'name,note\n"New\nYork","a, ""b""\r\nc"\nAL,x\n')
    rows = read_values(path)
    assert rows == [Row(2, {"name": "New\nYork", "note": 'a, "b"\r\nc'}), Row(5, {"name": "AL", "note": "x"})]


def test_csv_with_crlf_line_ends_gives_clean_values(write_file):
    rows = read_values(write_file("grid.csv", "a,b\r\n1,2\r\n3,4\r\n"))
    assert texts(rows) == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_csv_blank_lines_are_skipped_and_line_numbers_kept(write_file):
    rows = read_values(write_file("grid.csv", "\na,b\n\n1,2\n\n3,4\n"))
    assert [r.line for r in rows] == [4, 6]


def test_csv_control_characters_are_allowed_in_quoted_fields(write_file):
    rows = read_values(write_file("grid.csv", 'a\n"x\x01\ty"\n'))
    assert texts(rows) == [{"a": "x\x01\ty"}]


def test_csv_row_with_too_many_fields_is_an_error_naming_the_line(write_file):
    path = write_file("grid.csv", "a,b\n1,2\n1,2,3\n")
    with pytest.raises(ValuesError, match="3 fields where the header has 2") as info:
        read_values(path)
    assert info.value.line == 3 and f"{path}:3" in str(info.value)


def test_csv_row_with_too_few_fields_is_an_error_naming_the_line(write_file):
    with pytest.raises(ValuesError, match="1 fields where the header has 2") as info:
        read_values(write_file("grid.csv", "a,b\n1,2\n\n7\n"))
    assert info.value.line == 4


def test_csv_line_number_after_a_multiline_field_is_right(write_file):
    with pytest.raises(ValuesError) as info:
        read_values(write_file("grid.csv", 'a,b\n"x\ny",1\n2\n'))
    assert info.value.line == 4


@pytest.mark.parametrize("header", ["class,b", "a,for", "a b,c", "1a,b", "a,", "a,b-c"])
def test_bad_header_name_is_an_error(write_file, header):
    path = write_file("grid.csv", f"{header}\n1,2\n")
    with pytest.raises(ValuesError, match="not a valid parameter name") as info:
        read_values(path)
    assert str(path) in str(info.value)


def test_header_naming_a_parameter_twice_is_an_error(write_file):
    with pytest.raises(ValuesError, match="names a parameter twice") as info:
        read_values(write_file("grid.csv", "a, a\n1,2\n"))
    assert info.value.line == 1


def test_duplicate_csv_row_is_an_error_naming_both_lines(write_file):
    with pytest.raises(ValuesError, match="duplicate of line 2") as info:
        read_values(write_file("grid.csv", "a,b\n1,2\n1,3\n1,2\n"))
    assert info.value.line == 4


def test_csv_with_only_a_header_is_an_error(write_file):
    with pytest.raises(ValuesError, match="no values"):
        read_values(write_file("grid.csv", "a,b\n"))


def test_empty_csv_is_an_error(write_file):
    with pytest.raises(ValuesError, match="no values"):
        read_values(write_file("grid.csv", "\n\n"))


def test_unterminated_quote_in_csv_is_a_values_error(write_file):
    with pytest.raises(ValuesError, match="not a valid CSV table"):
        read_values(write_file("grid.csv", 'a\n"open\n'))


def test_check_name_accepts_identifiers_and_refuses_keywords():
    check_name("state_2", "here")
    for bad in ("None", "lambda", "", "2x", "a.b"):
        with pytest.raises(ValuesError, match="not a valid parameter name"):
            check_name(bad, "here")


# --- properties -------------------------------------------------------------------------------

FIELD = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
ONE_LINE = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=12).map(
    str.strip).filter(lambda v: v and not v.startswith(("#", "\ufeff")))  # a leading U+FEFF is refused as a BOM


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(FIELD, FIELD), min_size=1, max_size=5, unique=True))
def test_any_table_written_by_the_csv_module_reads_back_exactly(records):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "grid.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["a", "b"])
            writer.writerows(records)
        assert texts(read_values(path)) == [{"a": a, "b": b} for a, b in records]


@settings(max_examples=150, deadline=None)
@given(st.lists(ONE_LINE, min_size=1, max_size=6, unique=True), st.sampled_from(["\n", "\r\n"]))
def test_any_one_line_values_read_back_exactly(lines, end):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "v.txt"
        path.write_bytes(end.join(lines).encode("utf-8") + end.encode())
        assert [r.texts["s"] for r in read_values(path, param="s")] == lines


# --- several files: a grid of every combination ------------------------------------------------


def test_several_one_column_files_make_every_combination_the_last_file_varying_fastest(write_file):
    rows = read_values([write_file("states.txt", "AL\nCA\n"), write_file("years.txt", "1990\n2000\n")],
                       param="state year")
    assert texts(rows) == [{"state": "AL", "year": "1990"}, {"state": "AL", "year": "2000"},
                           {"state": "CA", "year": "1990"}, {"state": "CA", "year": "2000"}]


def test_param_names_may_come_as_a_list_or_separated_by_spaces(write_file):
    files = [write_file("a.txt", "x\n"), write_file("b.txt", "y\n")]
    assert texts(read_values(files, param=["s", "t"])) == texts(read_values(files, param="  s \t t ")) == [
        {"s": "x", "t": "y"}]


def test_each_value_of_a_grid_row_knows_its_own_file_and_line(write_file):
    states, years = write_file("states.txt", "# states\nAL\nCA\n"), write_file("years.txt", "\n1990\n2000\n")
    row = read_values([states, years], param="state year")[3]
    assert row.place("state", "ignored") == (str(states), 3) and row.place("year", "ignored") == (str(years), 3)
    assert row.origin("ignored") == f"{states}:3 × {years}:3"


def test_a_one_column_file_and_a_table_combine_and_the_names_go_to_the_one_column_files(write_file):
    rows = read_values([write_file("grid.csv", "n,code\n1,06\n2,07\n"), write_file("s.txt", "AL\n")], param="state")
    assert texts(rows) == [{"n": "1", "code": "06", "state": "AL"}, {"n": "2", "code": "07", "state": "AL"}]


def test_one_file_ignores_param_when_it_is_a_table_as_before(write_file):
    assert texts(read_values([write_file("grid.csv", "n\n1\n")], param="state")) == [{"n": "1"}]


@pytest.mark.parametrize("param, count", [("state", 1), ("state year month", 3), ("", 0)])
def test_a_param_name_for_each_one_column_file_is_required(write_file, param, count):
    files = [write_file("states.txt", "AL\n"), write_file("years.txt", "1990\n")]
    with pytest.raises(ValuesError, match=f"PARAM: {count} parameter name.* for 2 one-column values file.*"
                                          "give one name per one-column file, in the same order"):
        read_values(files, param=param)


def test_two_files_may_not_feed_the_same_parameter(write_file):
    files = [write_file("a.csv", "state\nAL\n"), write_file("b.txt", "CA\n")]
    with pytest.raises(ValuesError, match=r"b.txt: the parameter 'state' also comes from .*a.csv"):
        read_values(files, param="state")


def test_an_error_in_the_second_file_names_that_file_and_its_line(write_file):
    files = [write_file("states.txt", "AL\n"), write_file("years.txt", "1990\n\n1990\n")]
    with pytest.raises(ValuesError) as info:
        read_values(files, param="state year")
    assert str(info.value).startswith(f"{files[1]}:3: duplicate of line 1")


def test_a_grid_of_several_files_over_the_limit_is_refused(write_file):
    many = write_file("many.txt", "".join(f"{i}\n" for i in range(1001)))
    with pytest.raises(ValuesError, match=r"the grid makes 1,002,001 jobs \(1001 × 1001\)"):
        read_values([many, many], param="a b")
