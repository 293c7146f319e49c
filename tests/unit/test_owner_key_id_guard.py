"""The roster refuses an ID number as owner_key however it is typed: spaces, hyphens, full-width
digits (issue #15: the guard was bypassed by "3301 0519 8001 0112 34" and "３３０１…")."""
import pytest

from tests.unit.test_roster_import import parse_en

ID = "330105198001011234"


@pytest.mark.parametrize("typed", [ID, "3301 0519 8001 0112 34", "330105-19800101-1234", "３３０１０５１９８００１０１１２３４",
                                   "33010519800101123x", "３３０１０５ １９８００１０１ １２３Ｘ", "3301\u00a005198001011234",
                                   "3301\u300005198001011234"])
def test_an_id_number_in_owner_key_is_refused_however_typed(typed):
    result = parse_en(f"1,1,101,80.00,register,{typed},张三,13812345678,owned")
    assert result.rows == [] and [e.column for e in result.errors] == ["owner_key"]
    assert "身份证号" in result.errors[0].message


@pytest.mark.parametrize("key", ["K001", "P-2024-0001", "1234 5678", "33010519800101123"])
def test_ordinary_owner_keys_pass(key):
    assert parse_en(f"1,1,101,80.00,register,{key},张三,13812345678,owned").errors == []
