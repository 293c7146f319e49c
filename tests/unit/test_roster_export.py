"""write_roster_csv: canonical CSV that Excel opens and parse_roster reads back unchanged."""

import dataclasses
from decimal import Decimal
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings, strategies as st

from voting.roster.roster_export import write_roster_csv
from voting.roster.roster_import import AREA_SOURCES, HOLDING_STATUSES, RosterRow, parse_roster
from voting.unit_labels import natural_key

HEADER = "building,unit,room,area,area_source,owner_key,owner_name,phone,status,co_owners"


def flat(building="3", unit="1", room="101", **changes) -> RosterRow:
    base = dict(row=0, building=building, unit=unit, room=room, area=Decimal("86.50"), area_source="register",
                owner_key="K1", owner_name="张三", phones=("13812345678",), status="owned", co_owners=())
    return RosterRow(**{**base, **changes})


def without_row_numbers(rows):
    return [dataclasses.replace(r, row=0) for r in rows]


def test_output_is_utf8_with_bom_crlf_and_canonical_values():
    rows = [flat(area=Decimal("86.5"), phones=("13812345678", "13900001111"), co_owners=("李四", "王五")),
            flat(room="102", unit="", area=Decimal("100"), owner_key="", owner_name="", phones=(),
                 status="developer_unsold", area_source="survey")]
    assert write_roster_csv(rows) == (
        "\ufeff" + HEADER + "\r\n"
        "3,,102,100.00,survey,,,,developer_unsold,\r\n"
        "3,1,101,86.50,register,K1,张三,13812345678;13900001111,owned,李四;王五\r\n"
    ).encode("utf-8")


def test_empty_roster_writes_only_the_header():
    assert write_roster_csv([]) == ("\ufeff" + HEADER + "\r\n").encode("utf-8")


def test_rows_are_sorted_naturally_by_building_unit_room():
    rows = [flat("10", "1", "101"), flat("2", "2", "101"), flat("2", "1", "1001"), flat("2", "1", "201"),
            flat("3幢", "", "9"), flat("2", "", "101")]
    lines = write_roster_csv(rows).decode("utf-8-sig").splitlines()[1:]
    assert [tuple(line.split(",")[:3]) for line in lines] == [
        ("2", "", "101"), ("2", "1", "201"), ("2", "1", "1001"), ("2", "2", "101"), ("3幢", "", "9"), ("10", "1", "101"),
    ]


def test_natural_key_orders_digit_runs_by_value():
    assert sorted(["10", "2", "1", "2-10", "2-1", "B2", "a10", "a2", ""], key=natural_key) == \
        ["", "1", "2", "2-1", "2-10", "10", "a2", "a10", "B2"]


def test_duck_typed_rows_without_row_number_are_accepted():
    obj = SimpleNamespace(building="1", unit="", room="1", area=Decimal("50"), area_source="contract", owner_key="K",
                          owner_name="王", phones=(), status="owned", co_owners=())
    assert write_roster_csv([obj]).decode("utf-8-sig").splitlines()[1] == "1,,1,50.00,contract,K,王,,owned,"


def test_values_with_commas_and_quotes_are_quoted_and_round_trip():
    rows = [flat(building='3,"东"', owner_name='张"三', owner_key="a,b")]
    assert '"3,""东"""' in write_roster_csv(rows).decode("utf-8-sig")
    assert without_row_numbers(parse_roster(write_roster_csv(rows), "x.csv").rows) == rows


def test_round_trip_returns_equal_rows_in_sorted_order_with_row_numbers():
    rows = [flat("10", "", "1", area=Decimal("1000.00"), area_source="contract", co_owners=("李四",)),
            flat("2", "1", "101", owner_key="K2", owner_name="王五", phones=(), status="developer_undelivered"),
            flat("2", "1", "102", owner_key="", owner_name="", phones=(), status="developer_unsold")]
    result = parse_roster(write_roster_csv(rows), "roster.csv")
    assert result.errors == []
    assert [r.row for r in result.rows] == [2, 3, 4]
    assert without_row_numbers(result.rows) == [rows[1], rows[2], rows[0]]


_text = st.text(alphabet="0123456789ABCab东西幢单元室号-", min_size=1, max_size=6).filter(lambda s: s[0] not in "-")
_name = st.text(alphabet="张王李赵陈刘· ABCxyz", min_size=1, max_size=8).map(str.strip).filter(bool)
_phone = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@st.composite
def rosters(draw):
    owners = draw(st.dictionaries(st.text(alphabet="K0123456789", min_size=1, max_size=5), _name, max_size=5))
    places = draw(st.lists(st.tuples(_text, st.one_of(st.just(""), _text), _text), max_size=12,
                           unique_by=lambda p: tuple(v.casefold() for v in p)))
    rows = []
    for building, unit, room in places:
        status = draw(st.sampled_from(HOLDING_STATUSES))
        key = draw(st.sampled_from(sorted(owners))) if owners and status == "owned" else ""
        rows.append(RosterRow(
            row=0, building=building, unit=unit, room=room,
            area=Decimal(draw(st.integers(1, 100000))) / 100, area_source=draw(st.sampled_from(AREA_SOURCES)),
            owner_key=key, owner_name=owners.get(key, ""), phones=tuple(draw(st.lists(_phone, max_size=3, unique=True))),
            status=status if key or status != "owned" else "developer_unsold",
            co_owners=tuple(draw(st.lists(_name, max_size=3)))))
    return rows


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rosters())
def test_export_then_parse_round_trips(rows):
    result = parse_roster(write_roster_csv(rows), "roster.csv")
    if not rows:
        assert [e.message for e in result.errors] == ["名册没有任何住户：只有表头，没有数据行"]
        return
    assert result.errors == []
    key = lambda r: (natural_key(r.building), natural_key(r.unit), natural_key(r.room))  # noqa: E731
    assert without_row_numbers(result.rows) == sorted(rows, key=key)
