"""Masking of personal data for anything exported or published (PIPL: minimum exposure)."""


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明; empty stays empty."""
    name = name.strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234; anything shorter than 7 characters is fully masked."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


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
