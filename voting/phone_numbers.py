"""Phone numbers as the provider wants them (E.164), from what rosters and residents type.

Pure module: no Flask, no database.
"""
import re
import unicodedata

MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
E164 = re.compile(r"\+[1-9]\d{6,14}")
_SEPARATORS = re.compile(r"[\s\-().\u00a0]")


class PhoneNumberError(ValueError):
    """The text is not a number we can text."""


def to_e164(raw: str) -> str:
    """A mainland mobile in E.164: '138 1234 1234', '+86-138…', '0086138…', '８６１３８…' → '+8613812341234'.

    Full-width digits (as Chinese input methods type them) and the separators
    space, '-', '.', '(', ')' are accepted. Anything but an 11-digit mainland mobile
    (1[3-9] followed by 9 digits), with or without the +86 / 0086 / 86 prefix, raises
    PhoneNumberError: rosters hold mainland mobiles only, landlines cannot take SMS.
    """
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    for prefix in ("+86", "0086", "86"):
        if text.startswith(prefix) and len(text) == len(prefix) + 11:
            text = text[len(prefix):]
            break
    if not MAINLAND_MOBILE.fullmatch(text):
        raise PhoneNumberError(f"不是有效的手机号：{raw!r}")
    return "+86" + text


def normalise_any(raw: str) -> str:
    """Any number in E.164, for numbers the provider hands us (an inbound message's From).

    Mainland mobiles are normalised as `to_e164` does; another '+…' number is kept
    with its separators removed. Raises PhoneNumberError otherwise.
    """
    try:
        return to_e164(raw)
    except PhoneNumberError:
        text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
        if E164.fullmatch(text):
            return text
        raise


def roll_phones(phones: str) -> list[str]:
    """The distinct textable numbers of a roll entry's ';'-joined phones, in E.164, in order.

    Unusable entries (landlines, typos) are skipped rather than refused: the roster
    import already checked them, and one bad number must not stop a household's reminder.
    """
    result: list[str] = []
    for part in (phones or "").replace("；", ";").split(";"):
        try:
            number = to_e164(part)
        except PhoneNumberError:
            continue
        if number not in result:
            result.append(number)
    return result
