"""parse_roster: every malformed roster is refused with the exact (row, column) of each problem."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from voting.roster.roster_import import (AREA_SOURCES, HOLDING_STATUSES, MAX_DATA_ROWS, RosterParseResult, RosterRow,
                                         parse_roster)

EN_HEADER = "building,unit,room,area,area_source,owner_key,owner_name,phone,status"
ZH_HEADER = "楼幢,单元,室号,专有部分面积,面积依据,业主标识,业主姓名,联系电话,产权状态,共有人"
GOOD = "3,1,101,86.5,register,K1,张三,13812345678,owned"


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return "".join(line + "\r\n" for line in lines).encode(encoding)


def xlsx_bytes(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def where(result: RosterParseResult) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in result.errors]


def parse_en(*data_lines: str) -> RosterParseResult:
    return parse_roster(csv_bytes(EN_HEADER, *data_lines), "roster.csv")


def assert_refused(result: RosterParseResult, expected: list[tuple[int, str]], *keywords: str) -> None:
    assert where(result) == expected
    assert result.rows == []
    text = " ".join(e.message for e in result.errors)
    for keyword in keywords:
        assert keyword in text


def row(n: int, **changes) -> RosterRow:
    base = dict(row=n, building="3", unit="1", room="101", area=Decimal("86.50"), area_source="register",
                owner_key="K1", owner_name="张三", phones=("13812345678",), status="owned", co_owners=())
    return RosterRow(**{**base, **changes})


# ---- valid files -------------------------------------------------------------------------------

def test_english_headers_and_values_parse_to_exact_rows():
    result = parse_en(GOOD, "3,,102,70,SURVEY,K2,李四,,Developer_Unsold", "12,2,1201,120.25,contract,,,,developer_undelivered")
    assert result.errors == []
    assert result.rows == [
        row(2),
        row(3, unit="", room="102", area=Decimal("70.00"), area_source="survey", owner_key="K2", owner_name="李四",
            phones=(), status="developer_unsold"),
        row(4, building="12", unit="2", room="1201", area=Decimal("120.25"), area_source="contract", owner_key="",
            owner_name="", phones=(), status="developer_undelivered"),
    ]


def test_gbk_csv_with_chinese_headers_and_values_decodes():
    data = csv_bytes(ZH_HEADER, "3幢,1单元,101,86.5,不动产登记,K1,张三,138 1234 5678,已售,李四、王五",
                     "3幢,1单元,102,60,登记,K2,赵六,,已售未交付,", "3幢,1单元,103,60,实测,,,,开发商未售,", encoding="gbk")
    result = parse_roster(data, "名册.CSV")
    assert result.errors == []
    assert result.rows == [
        row(2, building="3幢", unit="1单元", co_owners=("李四", "王五")),
        row(3, building="3幢", unit="1单元", room="102", area=Decimal("60.00"), owner_key="K2", owner_name="赵六",
            phones=(), status="developer_undelivered"),
        row(4, building="3幢", unit="1单元", room="103", area=Decimal("60.00"), area_source="survey", owner_key="",
            owner_name="", phones=(), status="developer_unsold"),
    ]


def test_utf8_with_bom_and_spaced_headers():
    header = "\ufeff 楼　幢 , 单元 ,室号,专有部分面积（㎡）,面积依据,业主标识,业主姓名,联系电话,产权状态"
    data = csv_bytes(header, "3,1,101,86.50 ,不动产登记,K1,张三,13812345678,已售", encoding="utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert parse_roster(data, "a.csv").rows == [row(2)]


def test_utf16_csv_from_excel_unicode_text_export():
    data = csv_bytes(EN_HEADER.replace(",", "\t"), GOOD.replace(",", "\t"), encoding="utf-16")
    assert parse_roster(data, "a.csv").rows == [row(2)]


def test_tab_delimited_csv_works():
    data = csv_bytes(EN_HEADER.replace(",", "\t"), GOOD.replace(",", "\t"), "3\t1\t102\t50\tregister\tK1\t张三\t\towned")
    assert parse_roster(data, "a.csv").rows == [row(2), row(3, room="102", area=Decimal("50.00"), phones=())]


def test_columns_in_any_order_unknown_columns_ignored_optional_columns_absent():
    data = csv_bytes("备注,status,room,owner_name,area,building,owner_key,area_source",
                     "随便写,owned,101,张三,86.5,3,K1,register")
    assert parse_roster(data, "a.csv").rows == [row(2, unit="", phones=())]


def test_bilingual_headers_and_a_title_row_above_the_header():
    data = csv_bytes("某某小区业主名册,,,,,,,,", "楼幢(building),单元(unit),室号(room),专有部分面积(area),面积依据,"
                     "业主标识,业主姓名,手机号,产权状态*", "", GOOD)
    assert parse_roster(data, "a.csv").rows == [row(4)]


def test_phones_are_normalised_split_and_deduplicated():
    result = parse_en("3,1,101,86.5,register,K1,张三,\"+86 138-1234-5678；008613900001111/ 8613700002222、13812345678,\",owned")
    assert result.rows == [row(2, phones=("13812345678", "13900001111", "13700002222"))]


def test_landlines_are_accepted_beside_mobiles_and_stored_with_one_dash():
    result = parse_en("3,1,101,86.5,register,K1,张三,\"(0571) 8765 4321；13812345678;87654321/057187654321\",owned")
    assert result.rows == [row(2, phones=("0571-87654321", "13812345678", "87654321"))]


def test_co_owners_are_split_stripped_and_empties_dropped():
    data = csv_bytes(EN_HEADER + ",co_owners", GOOD + ",\" 李四 ;; 王五/赵六、 \"")
    assert parse_roster(data, "a.csv").rows == [row(2, co_owners=("李四", "王五", "赵六"))]


def test_area_tolerates_units_full_width_digits_and_trailing_zeros():
    result = parse_en("3,1,101,86.500平方米,register,K1,张三,13812345678,owned",
                      "3,1,102,８６．５㎡,register,K1,张三,13812345678,owned")
    assert [r.area for r in result.rows] == [Decimal("86.50"), Decimal("86.50")]


def test_blank_csv_lines_are_skipped_but_counted():
    result = parse_en("", ",,,,,,,,", GOOD)
    assert result.rows == [row(4)]


# ---- malformed files: exact (row, column) of every problem ------------------------------------

def test_invalid_encoding_is_refused():
    data = "building,unit,room\n3,1,Müller Café\n".encode("latin-1")  # "é\n" is no GBK character
    assert_refused(parse_roster(data, "a.csv"), [(0, "")], "编码")


def test_shift_jis_text_that_is_not_gbk_is_refused():
    data = csv_bytes(EN_HEADER).replace(b"building", "ﾃｽﾄ".encode("shift_jis"))  # half-width kana: 0xC3 0xBD 0xC4
    assert_refused(parse_roster(data, "a.csv"), [(0, "")], "编码")


def test_missing_required_columns_are_named_in_chinese_and_english():
    data = csv_bytes("building,unit,room,area_source,owner_key,owner_name", "3,1,101,register,K1,张三")
    result = parse_roster(data, "a.csv")
    assert_refused(result, [(1, "area"), (1, "status")], "专有部分面积", "area", "产权状态", "status")


def test_duplicate_header_is_refused():
    data = csv_bytes(EN_HEADER + ",楼幢", GOOD + ",3")
    assert_refused(parse_roster(data, "a.csv"), [(1, "building")], "不止一次", "A", "J")


def test_duplicate_rooms_reported_on_later_rows_naming_the_first():
    result = parse_en(GOOD, "3,1,102,50,register,K2,李四,,owned", GOOD, "３,1,１０１,86.5,register,K1,张三,,owned")
    assert_refused(result, [(4, "room"), (5, "room")], "第 2 行重复")
    assert all("第 2 行" in e.message for e in result.errors)


@pytest.mark.parametrize("later, column", [
    ("3,1,101室,50,register,K2,李四,,owned", "room"), ("3幢,1,101,50,register,K2,李四,,owned", "room"),
    ("3栋,1单元,101号,50,register,K2,李四,,owned", "room"), ("3号楼,01,0101,50,register,K2,李四,,owned", "room"),
    ("３,１,１０１,50,register,K2,李四,,owned", "room"), ("3,,101,50,register,K2,李四,,owned", "unit"),
])
def test_near_duplicate_flats_are_refused_naming_both_rows(later, column):
    result = parse_en(GOOD, "3,2,101,50,register,K3,王五,,owned", later)
    assert_refused(result, [(4, column)], "第 2 行")
    assert later.split(",")[2] in result.errors[0].message  # the later row's own spelling, with the first row's


def test_a_building_without_units_then_with_one_is_a_near_duplicate_too():
    result = parse_en("3,,101,86.5,register,K1,张三,,owned", "3,1,101,50,register,K2,李四,,owned")
    assert_refused(result, [(3, "unit")], "第 2 行", "单元")


def test_different_flats_that_only_look_alike_are_kept():
    result = parse_en(GOOD, "3,1,1010,50,register,K2,李四,,owned", "3,10,101,50,register,K3,王五,,owned",
                      "30,1,101,50,register,K4,赵六,,owned", "3,1,102室,50,register,K5,孙七,,owned")
    assert not result.errors and [r.room for r in result.rows] == ["101", "1010", "101", "101", "102室"]


@pytest.mark.parametrize("area, keyword", [
    ("86.123", "两位小数"), ("-5", "大于0"), ("0", "大于0"), ("0.00", "大于0"), ("八十六", "不是数字"),
    ("1200", "1200.00 平方米过大"), ("NaN", "不是数字"), ("Infinity", "不是数字"), ("1e2", "不是数字"),
    ("", "未填写"), ("86,5", "不是数字"), ("⑳" * 60, "过大"),
])
def test_bad_area_is_refused(area, keyword):
    result = parse_en(f'3,1,101,"{area}",register,K1,张三,13812345678,owned')
    assert_refused(result, [(2, "area")], keyword)


def test_area_at_the_limit_is_accepted():
    assert parse_en("3,1,101,1000.00,register,K1,张三,13812345678,owned").rows == [row(2, area=Decimal("1000.00"))]
    assert_refused(parse_en("3,1,101,1000.01,register,K1,张三,13812345678,owned"), [(2, "area")], "过大")


@pytest.mark.parametrize("column, line, keyword", [
    ("area_source", "3,1,101,86.5,估算,K1,张三,13812345678,owned", "估算"),
    ("area_source", "3,1,101,86.5,,K1,张三,13812345678,owned", "未填写"),
    ("status", "3,1,101,86.5,register,K1,张三,13812345678,出租", "出租"),
    ("status", "3,1,101,86.5,register,K1,张三,13812345678,", "未填写"),
    ("phone", "3,1,101,86.5,register,K1,张三,0571-888,owned", "0571-888"),
    ("phone", "3,1,101,86.5,register,K1,张三,12345,owned", "座机号"),
    ("phone", "3,1,101,86.5,register,K1,张三,13812345678;1381234567,owned", "1381234567"),
    ("phone", "3,1,101,86.5,register,K1,张三,12812345678,owned", "手机号"),
    ("building", ",1,101,86.5,register,K1,张三,13812345678,owned", "楼幢未填写"),
    ("room", "3,1,,86.5,register,K1,张三,13812345678,owned", "室号未填写"),
    ("owner_name", "3,1,101,86.5,register,K1,=HYPERLINK(1),13812345678,owned", "公式"),
    ("owner_key", "3,1,101,86.5,register,33010219800101123X,张三,13812345678,owned", "身份证号"),
    ("owner_name", "3,1,101,86.5,register,K1,\"张\n三\",13812345678,owned", "控制字符"),
    ("owner_name", "3,1,101,86.5,register,K1," + "张" * 101 + ",13812345678,owned", "过长"),
])
def test_bad_cell_is_refused(column, line, keyword):
    assert_refused(parse_en(line), [(2, column)], keyword)


def test_header_problems_below_a_title_row_carry_the_header_row_number():
    data = csv_bytes("某某小区业主名册", "building,unit,room,area,area_source,owner_key,owner_name", GOOD)
    assert_refused(parse_roster(data, "a.csv"), [(2, "status")], "产权状态")


def test_a_row_with_text_only_in_ignored_columns_counts_as_blank():
    data = csv_bytes(EN_HEADER + ",备注", GOOD + ",", ",,,,,,,,,制表人：王")
    assert parse_roster(data, "a.csv").rows == [row(2)]


def test_co_owner_names_and_invisible_characters_are_checked():
    data = csv_bytes(EN_HEADER + ",co_owners", GOOD + ",李四;=cmd()", "3,1,1\u200b02,50,register,K1,张三,,owned,")
    assert_refused(parse_roster(data, "a.csv"), [(2, "co_owners"), (3, "room")], "=cmd()", "控制字符")


def test_owned_flat_needs_owner_key_and_name_but_developer_flat_does_not():
    result = parse_en("3,1,101,86.5,register,,,,owned", "3,1,102,86.5,register,,,,developer_unsold")
    assert_refused(result, [(2, "owner_key"), (2, "owner_name")], "业主标识未填写", "业主姓名未填写")


def test_one_owner_key_with_two_names_is_refused_naming_both():
    result = parse_en(GOOD, "3,1,102,50,register,K1,张三,,owned", "3,1,103,50,register,K1,李四,,owned",
                      "3,1,104,50,register,K1,张 三,,owned")
    assert_refused(result, [(4, "owner_name"), (5, "owner_name")], "第 2 行", "张三", "李四", "张 三")


def test_every_problem_is_listed_sorted_by_row_then_column_order():
    result = parse_en("3,1,101,abc,x,K1,张三,123,y", GOOD, ",1,,-1,register,K9,王五,,owned")
    assert_refused(result, [(2, "area"), (2, "area_source"), (2, "phone"), (2, "status"),
                            (3, "room"), (4, "building"), (4, "room"), (4, "area")])


def test_unsupported_extension_is_refused():
    assert_refused(parse_roster(csv_bytes(EN_HEADER, GOOD), "roster.txt"), [(0, "")], "CSV", ".xlsx")
    assert_refused(parse_roster(csv_bytes(EN_HEADER, GOOD), "roster"), [(0, "")], "CSV")


def test_header_only_is_refused():
    assert_refused(parse_roster(csv_bytes(EN_HEADER, ",,,,"), "a.csv"), [(0, "")], "没有任何住户")
    assert_refused(parse_roster(xlsx_bytes(EN_HEADER.split(",")), "a.xlsx"), [(0, "")], "没有任何住户")


@pytest.mark.parametrize("data, filename", [(b"", "a.csv"), (b"", "a.xlsx"), (b"\xef\xbb\xbf \r\n\r\n", "a.csv"),
                                            (xlsx_bytes(), "a.xlsx")])
def test_empty_file_is_refused(data, filename):
    assert_refused(parse_roster(data, filename), [(0, "")], "空")


def test_file_contents_that_do_not_match_the_extension_are_refused():
    assert_refused(parse_roster(xlsx_bytes(EN_HEADER.split(",")), "a.csv"), [(0, "")], ".xlsx")
    assert_refused(parse_roster(csv_bytes(EN_HEADER, GOOD), "a.xlsx"), [(0, "")], ".csv")
    assert_refused(parse_roster(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "a.xlsx"), [(0, "")], ".xls")
    assert_refused(parse_roster(b"building\x00,unit\x00\r\n", "a.csv"), [(0, "")], "文本")


def test_too_many_rows_are_refused():
    lines = [f"1,1,{n},50,register,K{n},业主{n},,owned" for n in range(MAX_DATA_ROWS + 1)]
    assert_refused(parse_en(*lines), [(0, "")], str(MAX_DATA_ROWS))
    assert len(parse_en(*lines[:MAX_DATA_ROWS]).rows) == MAX_DATA_ROWS


# ---- xlsx ---------------------------------------------------------------------------------------

def test_xlsx_numbers_become_text_and_decimals():
    data = xlsx_bytes(EN_HEADER.split(","), [3, 1, 101.0, 86.5, "register", "K1", "张三", 13812345678, "owned"],
                      [3, None, 102, 70, "合同", 7, "李四", None, "已售"])
    assert parse_roster(data, "A.XLSX").rows == [
        row(2, room="101"),
        row(3, unit="", room="102", area=Decimal("70.00"), area_source="contract", owner_key="7", owner_name="李四",
            phones=()),
    ]


def test_xlsx_formula_cell_is_refused():
    data = xlsx_bytes(EN_HEADER.split(","), ["3", "1", "101", "=80+6.5", "register", "K1", "张三", "", "owned"])
    assert_refused(parse_roster(data, "a.xlsx"), [(2, "area")], "公式", "选择性粘贴为数值")


def test_xlsx_empty_rows_in_between_keep_excel_row_numbers():
    good = ["3", "1", "101", 86.5, "register", "K1", "张三", "13812345678", "owned"]
    bad = ["3", "1", "102", 86.123, "register", "K2", "李四", "", "owned"]
    data = xlsx_bytes(EN_HEADER.split(","), good, [], [None, "", None], bad)
    assert_refused(parse_roster(data, "a.xlsx"), [(5, "area")], "两位小数")
    data = xlsx_bytes(EN_HEADER.split(","), [], good, [], [], ["3", "1", "102", 50, "register", "K2", "李四", "", "owned"])
    assert [r.row for r in parse_roster(data, "a.xlsx").rows] == [3, 6]


def test_xlsx_date_boolean_and_error_cells_are_refused():
    data = xlsx_bytes(EN_HEADER.split(","), [date(2020, 1, 1), "1", True, "#N/A", "register", "K1", "张三", "", "owned"])
    assert_refused(parse_roster(data, "a.xlsx"), [(2, "building"), (2, "room"), (2, "area")],
                   "日期", "TRUE/FALSE", "#N/A")


def test_xlsx_only_first_worksheet_is_read():
    workbook = openpyxl.Workbook()
    workbook.active.append(EN_HEADER.split(","))
    workbook.active.append(GOOD.split(","))
    workbook.create_sheet("说明").append(["随便", "写"])
    out = io.BytesIO()
    workbook.save(out)
    assert parse_roster(out.getvalue(), "a.xlsx").rows == [row(2)]


@pytest.mark.parametrize("data", [b"PK\x03\x04" + b"garbage" * 20, xlsx_bytes(["a"])[:300]])
def test_corrupt_xlsx_is_refused(data):
    assert_refused(parse_roster(data, "a.xlsx"), [(0, "")], "Excel")


# ---- never raises -------------------------------------------------------------------------------

@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=400), name=st.sampled_from(["a.csv", "a.xlsx", "a.CSV", "a", ""]))
def test_random_bytes_never_raise(data, name):
    result = parse_roster(data, name)
    assert isinstance(result, RosterParseResult)
    assert result.errors or result.rows
    assert not (result.errors and result.rows)


_cell = st.one_of(st.text(max_size=12), st.sampled_from(["86.5", "0", "-1", "1e9", "owned", "已售", "实测", "", "138 1234 5678"]))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.lists(_cell, min_size=0, max_size=11), max_size=8),
       encoding=st.sampled_from(["utf-8", "gb18030", "utf-16"]))
def test_random_tables_never_raise_and_errors_are_sorted(lines, encoding):
    import csv
    out = io.StringIO()
    csv.writer(out).writerows([EN_HEADER.split(","), *lines])
    result = parse_roster(out.getvalue().encode(encoding, errors="replace"), "a.csv")
    assert not (result.errors and result.rows)
    rank = {c: i for i, c in enumerate(EN_HEADER.split(","))}
    keys = [(e.row, rank.get(e.column, -1)) for e in result.errors]
    assert keys == sorted(keys)
    for r in result.rows:
        assert r.area > 0 and r.area == r.area.quantize(Decimal("0.01"))
        assert r.area_source in AREA_SOURCES and r.status in HOLDING_STATUSES
