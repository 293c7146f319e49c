"""Phone numbers as Twilio wants them (E.164), from what rosters and residents type."""
import pytest

from voting.phone_numbers import PhoneNumberError, normalise_any, phone_kind, roll_phones, roster_phone, to_e164


@pytest.mark.parametrize("raw", ["13812341234", "138 1234 1234", "138-1234-1234", "+86 138 1234 1234",
                                 "+8613812341234", "008613812341234", "8613812341234", "１３８１２３４１２３４",
                                 " (138) 1234-1234 "])
def test_mainland_mobiles_in_any_usual_spelling_become_e164(raw):
    assert to_e164(raw) == "+8613812341234"


@pytest.mark.parametrize("raw", ["", "1381234123", "138123412345", "12812341234", "0571-87654321",
                                 "+1 415 555 0100", "86138123412", "1381234123x", None])
def test_anything_but_an_11_digit_mainland_mobile_is_refused(raw):
    with pytest.raises(PhoneNumberError):
        to_e164(raw)


def test_inbound_numbers_from_abroad_are_kept_in_e164():
    assert normalise_any("+1 (415) 555-0100") == "+14155550100"
    assert normalise_any("13812341234") == "+8613812341234"
    with pytest.raises(PhoneNumberError):
        normalise_any("not a number")


def test_roll_phones_are_split_deduplicated_and_unusable_ones_skipped():
    assert roll_phones("13812341234;13912341234；13812341234;0571-87654321;") == [
        "+8613812341234", "+8613912341234"]
    assert roll_phones("") == []


@pytest.mark.parametrize("raw, stored", [
    ("0571-87654321", "0571-87654321"), ("0571 8765 4321", "0571-87654321"), ("(0571)87654321", "0571-87654321"),
    ("057187654321", "0571-87654321"), ("+86 571 87654321", "0571-87654321"), ("0086-571-87654321", "0571-87654321"),
    ("０５７１－８７６５４３２１", "0571-87654321"), ("010-62345678", "010-62345678"), ("021 5234 5678", "021-52345678"),
    ("0572-2345678", "0572-2345678"), ("87654321", "87654321"), ("8765432", "8765432"),
])
def test_landlines_are_kept_with_one_dash_after_the_area_code(raw, stored):
    assert roster_phone(raw) == (stored, "landline")
    assert phone_kind(stored) == "landline"


@pytest.mark.parametrize("raw", ["13812341234", "+86 138-1234-1234", "008613812341234", "１３８１２３４１２３４"])
def test_mobiles_are_kept_as_their_11_digits(raw):
    assert roster_phone(raw) == ("13812341234", "mobile")
    assert phone_kind("13812341234") == "mobile"


@pytest.mark.parametrize("raw", ["", "12345", "0571-888", "0571-1234567", "010-1234567", "0571-876543210",
                                 "1381234123", "12812341234", "01012345678", "+1 415 555 0100", "abc", None])
def test_what_is_neither_a_mobile_nor_a_landline_is_refused(raw):
    with pytest.raises(PhoneNumberError):
        roster_phone(raw)


def test_landlines_are_never_texted():
    assert roll_phones("0571-87654321;87654321;13812341234;010-62345678") == ["+8613812341234"]
    assert roll_phones("0571-87654321") == []
