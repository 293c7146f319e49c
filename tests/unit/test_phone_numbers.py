"""Phone numbers as Twilio wants them (E.164), from what rosters and residents type."""
import pytest

from voting.phone_numbers import PhoneNumberError, normalise_any, roll_phones, to_e164


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
