"""Masking of personal data for anything exported, published, logged or audited (PIPL: minimum exposure).

Pure: the one home of masking. Names and phones are masked the same way wherever
they appear (roster exports, reports, the ballot page, SMS outbox, audit events, logs).
"""
import re


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明; empty stays empty."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234, and the same for its E.164 form +8613812341234.

    An E.164 number is masked as its national number ('+86' dropped; another country's
    '+' dropped: +14155550100 → 141****0100), so one number reads alike on every page.
    The first 3 and last 4 characters stay; anything shorter than 7 is fully masked.
    """
    national = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    if len(national) < 7:
        return "*" * len(national)
    return national[:3] + "*" * (len(national) - 7) + national[-4:]


def mask_phone_digits(phone: str) -> str:
    """13812341234 → 138********: only the first 3 characters stay (E.164 read as in `mask_phone`).

    For rounds verified by the last four digits (phone4): there `mask_phone` would show
    the very digits a voter proves themselves with.
    """
    national = phone[3:] if phone.startswith("+86") else phone.lstrip("+")
    return national[:3] + "*" * (len(national) - 3) if len(national) >= 7 else "*" * len(national)


def mask_link_token(text: str, token: str) -> str:
    """`text` with the voting link's `token` cut to its first 4 characters and '…'.

    Staff still tell one household's message from another's; nobody can vote with what they see.
    """
    return text.replace(token, token[:4] + "…")


def mask_code(text: str, code: str) -> str:
    """`text` with the one-time `code` as one '*' per character: '验证码 123456' → '验证码 ******'."""
    return text.replace(code, "*" * len(code))


def looks_masked(value: str) -> bool:
    """True for a value that came out of a masked export (it holds a '*')."""
    return "*" in value


def pseudonyms(owner_keys) -> dict[str, str]:
    """Stable-per-export pseudonyms V0001, V0002… in order of first appearance.

    Units of one owner keep one pseudonym, so a recount still groups them, but the
    owner_key itself (which may derive from an ID number) never leaves the system.
    """
    mapping: dict[str, str] = {}
    for key in owner_keys:
        if key and key not in mapping:
            mapping[key] = f"V{len(mapping) + 1:04d}"
    return mapping


_DIGIT_RUN = re.compile(r"[0-9０-９]{3,}")


def hide_digits(text: str) -> str:
    """Free text as the public may read it: every run of 3+ digits (a phone, a room, an ID number) as '***'.

    For opinions quoted on the public board when staff give no paraphrase; names in free text
    cannot be found reliably, which is why the answer form asks for a paraphrase first.
    """
    return _DIGIT_RUN.sub(lambda m: "*" * len(m.group()), text)
