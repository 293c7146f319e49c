"""The plan's construction eras and programme eligibility (pure).

The plan (三(三)) sorts estates into three eras for the technical menu: 80年代及以前,
80-90年代 and 90年后. We read them as: built before 1980; built 1980–1989;
built 1990 or later. Eligibility (section 二): built in or before 2000 (含), or a
post-2000 affordable-housing estate (保障性安居工程), renovated by its original
responsible party.
"""

ERAS = ("before_1980s", "1980s_1990s", "1990s_and_later")  # Chinese in voting.labels_zh
ELIGIBILITIES = ("pre_2000", "affordable_post_2000")
LAST_ELIGIBLE_YEAR = 2000
EARLIEST_PLAUSIBLE_YEAR = 1900


def era_for(built_year: int) -> str:
    """Era id for a completion year (see module docstring for the boundaries)."""
    if built_year < 1980:
        return "before_1980s"
    if built_year < 1990:
        return "1980s_1990s"
    return "1990s_and_later"


def eligibility(built_year: int, affordable_housing: bool) -> str | None:
    """'pre_2000' or 'affordable_post_2000' if the estate is in the programme, else None."""
    if built_year <= LAST_ELIGIBLE_YEAR:
        return "pre_2000"
    if affordable_housing:
        return "affordable_post_2000"
    return None

