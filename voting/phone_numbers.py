"""Phone numbers as the provider wants them (E.164), from what rosters and residents type.

A roster keeps two kinds of number (PHONE_KINDS): mainland mobiles, stored as their 11 digits
('13812345678'), and landlines, which many elderly owners have, stored as area code and number
('0571-87654321') or, typed without an area code, as the local number ('87654321'). Landlines are
kept and shown, and never texted: everything that sends SMS takes numbers from `roll_phones`,
which yields mobiles only.

Pure module: no Flask, no database.
"""
import re
import unicodedata

MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
E164 = re.compile(r"\+[1-9]\d{6,14}")
_SEPARATORS = re.compile(r"[\s\-().\u00a0]")


PHONE_KINDS = ("mobile", "landline")
# Area codes: 010 and 020–029 are three digits and take 8-digit numbers; every other (0311…0999)
# is four digits and takes 7- or 8-digit numbers. A number typed alone: 7–8 digits, not 0 or 1 first.
_LANDLINE_3 = re.compile(r"(0(?:10|2[0-9]))([2-9][0-9]{7})")
_LANDLINE_4 = re.compile(r"(0[3-9][0-9]{2})([2-9][0-9]{6,7})")
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
_ROSTER_NOISE = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d()\u00a0]")


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

    Landlines are never texted: they are skipped here, the one place every SMS (links,
    reminders, one-time codes, confirmations, results) takes a household's numbers from.
    Unusable entries (typos in old data) are skipped too rather than refused: the roster
    import already checked them, and one bad number must not stop a household's reminder.
    """
    result: list[str] = []
    for part in (phones or "").replace("；", ";").split(";"):
        try:  # a landline in any form (0571-87654321, 87654321) is refused by to_e164: never texted
            number = to_e164(part)
        except PhoneNumberError:
            continue
        if number not in result:
            result.append(number)
    return result


def roster_phone(raw: str) -> tuple[str, str]:
    """(stored form, kind) of one number as a roster or a staff form gives it; PhoneNumberError otherwise.

    Mobiles: as `to_e164` accepts them, stored as the 11 digits ('+86 138-1234-1234' → '13812341234').
    Landlines: '0571-87654321', '0571 8765 4321', '(0571)87654321', '057187654321', '+86 571 87654321',
    '010-62345678' → stored with one '-' after the area code; a local number typed alone
    ('87654321', '8765432') is kept as its digits. Full-width digits and dashes are accepted
    (NFKC). Kind is 'mobile' or 'landline' (PHONE_KINDS); `phone_kind` reads it back from the stored form.
    """
    text = _ROSTER_NOISE.sub("", unicodedata.normalize("NFKC", raw or ""))
    try:
        return to_e164(text)[3:], "mobile"
    except PhoneNumberError:
        pass
    for prefix in ("+86", "0086"):
        if text.startswith(prefix) and not text[len(prefix):].startswith(("0", "1")):
            text = "0" + text[len(prefix):]
            break
    for pattern in (_LANDLINE_3, _LANDLINE_4):
        match = pattern.fullmatch(text)
        if match:
            return f"{match[1]}-{match[2]}", "landline"
    if _LOCAL.fullmatch(text):
        return text, "landline"
    raise PhoneNumberError(f"不是有效的手机号或座机号：{raw!r}")


def phone_kind(stored: str) -> str:
    """'mobile' for a stored 11-digit mainland mobile, else 'landline' (the roll holds no other kind)."""
    return "mobile" if MAINLAND_MOBILE.fullmatch(stored or "") else "landline"
