"""Voting rules as data, and the exact arithmetic that judges one check.

A rule is a list of checks that must all pass. A check compares a numerator
(agreeing or participating owners) with a denominator (all owners on the roll,
or the participating ones), measured in heads (业主人数) or exclusive area
(专有部分面积), against a threshold fraction.

Civil Code Art. 1259: "以上" includes the number itself (inclusive, ≥);
"过半数" means strictly more than half (strict, >). All arithmetic is on
integers — heads, or area in hundredths of a m² — and Fractions; never float.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ..hundredths import hundredths_str

MEASURES = ("heads", "area")
NUMERATORS = ("agree", "participating")
DENOMINATORS = ("all", "participating")


@dataclass(frozen=True)
class Check:
    """One condition of a rule.

    measure: "heads" | "area"; numerator: "agree" | "participating";
    denominator: "all" (everyone on the roll) | "participating";
    threshold: a Fraction in (0, 1]; inclusive: True for ≥ (以上), False for > (过半数).
    """

    name: str
    measure: str
    numerator: str
    denominator: str
    threshold: Fraction
    inclusive: bool

    def passes(self, numerator: int, denominator: int) -> bool:
        """Whether numerator/denominator meets the threshold (ints in one unit).

        A denominator of 0 always fails: a decision over nobody is no decision.
        Compared by cross-multiplication, so exact.
        """
        if denominator <= 0:
            return False
        left = numerator * self.threshold.denominator
        right = self.threshold.numerator * denominator
        return left >= right if self.inclusive else left > right

    def smallest_passing(self, denominator: int) -> int:
        """The smallest numerator that passes for this denominator (same unit).

        Inclusive ≥ t·D: ceil(t·D); strict > t·D: floor(t·D) + 1. Never below 1,
        because with D = 0 nothing passes and with D > 0 the formula is ≥ 1 anyway.
        """
        p, q = self.threshold.numerator, self.threshold.denominator
        floor, rem = divmod(p * denominator, q)
        if self.inclusive:
            value = floor + (1 if rem else 0)
        else:
            value = floor + 1
        return max(value, 1)

    def least_addition(self, numerator: int, denominator: int) -> int | None:
        """Smallest x ≥ 1 that passes when added to the numerator — and to the
        denominator too if it counts participants — or None if no x can.

        (N + x)·q ≥ p·(D + g·x)  ⇔  x·(q − g·p) ≥ p·D − q·N   (> when strict),
        g = 1 for a participating denominator. Used for the gap to pass.
        """
        p, q = self.threshold.numerator, self.threshold.denominator
        grows = self.denominator == "participating"
        if not grows and denominator <= 0:
            return None
        coefficient = q - p if grows else q
        needed = p * denominator - q * numerator
        if coefficient == 0:  # threshold 1 of participants: newcomers can't outweigh a no
            ok = needed <= 0 if self.inclusive else needed < 0
            return 1 if ok else None
        floor, rem = divmod(needed, coefficient)
        x = floor + (1 if rem else 0) if self.inclusive else floor + 1
        return max(x, 1)

    def to_dict(self) -> dict:
        """JSON-able form, accepted back by ``rule_from_dict``."""
        return {"name": self.name, "measure": self.measure, "numerator": self.numerator,
                "denominator": self.denominator, "threshold": fraction_str(self.threshold),
                "inclusive": self.inclusive}


@dataclass(frozen=True)
class Rule:
    """A named voting rule: every check must pass."""

    id: str
    title_zh: str
    legal_basis: str
    checks: tuple[Check, ...]

    def to_dict(self) -> dict:
        """JSON-able form, accepted back by ``rule_from_dict``."""
        return {"id": self.id, "title_zh": self.title_zh, "legal_basis": self.legal_basis,
                "checks": [c.to_dict() for c in self.checks]}


class UnknownRuleError(KeyError, ValueError):
    """An unknown rule id; catchable as KeyError or ValueError."""

    def __str__(self) -> str:  # KeyError would repr() the message and add quotes
        return str(self.args[0]) if self.args else ""


def _check(name, measure, numerator, denominator, threshold, inclusive) -> Check:
    return Check(name, measure, numerator, denominator, Fraction(threshold), inclusive)


_QUORUM = (
    _check("participating_area_of_total", "area", "participating", "all", "2/3", True),
    _check("participating_heads_of_total", "heads", "participating", "all", "2/3", True),
)

PRESETS: dict[str, Rule] = {
    "double-two-thirds": Rule(
        id="double-two-thirds",
        title_zh="双三分之二（物权法第七十六条）",
        legal_basis=(
            "《中华人民共和国物权法》（2007年）第七十六条：筹集和使用建筑物及其附属设施的维修资金，"
            "改建、重建建筑物及其附属设施，应当经专有部分占建筑物总面积三分之二以上的业主"
            "且占总人数三分之二以上的业主同意。“以上”含本数（民法典第一千二百五十九条）。"
        ),
        checks=(
            _check("agree_area_of_total", "area", "agree", "all", "2/3", True),
            _check("agree_heads_of_total", "heads", "agree", "all", "2/3", True),
        ),
    ),
    "civil-code-278-major": Rule(
        id="civil-code-278-major",
        title_zh="民法典第二百七十八条重大事项（第六至八项，双四分之三）",
        legal_basis=(
            "《中华人民共和国民法典》第二百七十八条：业主共同决定事项，应当由专有部分面积占比三分之二以上"
            "的业主且人数占比三分之二以上的业主参与表决。决定前款第六项至第八项规定的事项，应当经参与表决"
            "专有部分面积四分之三以上的业主且参与表决人数四分之三以上的业主同意。“以上”含本数。"
        ),
        checks=_QUORUM + (
            _check("agree_area_of_participating", "area", "agree", "participating", "3/4", True),
            _check("agree_heads_of_participating", "heads", "agree", "participating", "3/4", True),
        ),
    ),
    "civil-code-278-ordinary": Rule(
        id="civil-code-278-ordinary",
        title_zh="民法典第二百七十八条一般事项（双过半）",
        legal_basis=(
            "《中华人民共和国民法典》第二百七十八条：业主共同决定事项，应当由专有部分面积占比三分之二以上"
            "的业主且人数占比三分之二以上的业主参与表决。决定前款其他事项，应当经参与表决专有部分面积"
            "过半数的业主且参与表决人数过半数的业主同意。“过半数”不含半数本身。"
        ),
        checks=_QUORUM + (
            _check("agree_area_of_participating", "area", "agree", "participating", "1/2", False),
            _check("agree_heads_of_participating", "heads", "agree", "participating", "1/2", False),
        ),
    ),
}


def get_rule(rule_id: str) -> Rule:
    """The preset with this id; UnknownRuleError (a KeyError and ValueError) otherwise."""
    rule = PRESETS.get(rule_id) if isinstance(rule_id, str) else None
    if rule is None:
        known = "、".join(PRESETS)
        raise UnknownRuleError(f"未知的表决规则：{rule_id!r}（可用：{known}）")
    return rule


def _parse_threshold(value, where: str) -> Fraction:
    # Only strings: a float like 0.6667 is not 2/3, and silently accepting it
    # would move the legal boundary.
    message = f"{where}.threshold 必须是形如 \"2/3\" 的分数字符串，且大于 0、不大于 1"
    if not isinstance(value, str):
        raise ValueError(message)
    try:
        threshold = Fraction(value.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(message) from None
    if not 0 < threshold <= 1:
        raise ValueError(message)
    return threshold


def _choice(d: dict, key: str, allowed: tuple[str, ...], where: str) -> str:
    value = d.get(key)
    if value not in allowed:
        raise ValueError(f"{where}.{key} 必须是 {' / '.join(allowed)} 之一，收到 {value!r}")
    return value


def rule_from_dict(d: dict) -> Rule:
    """Build and validate a custom rule from its JSON form (see ``Rule.to_dict``).

    Each check needs name, measure (heads|area), numerator (agree|participating),
    denominator (all|participating), threshold (a string such as "2/3", in (0, 1])
    and inclusive (bool: True for ≥ 以上, False for > 过半数). Raises ValueError
    with a Chinese message naming the offending field.
    """
    if not isinstance(d, dict):
        raise ValueError("规则必须是一个对象")
    rule_id = d.get("id", "custom")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise ValueError("id 必须是非空字符串")
    checks_in = d.get("checks")
    if not isinstance(checks_in, list) or not checks_in:
        raise ValueError("checks 必须是非空列表")
    checks = []
    for i, c in enumerate(checks_in):
        where = f"checks[{i}]"
        if not isinstance(c, dict):
            raise ValueError(f"{where} 必须是一个对象")
        name = c.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}.name 必须是非空字符串")
        if any(existing.name == name for existing in checks):
            raise ValueError(f"{where}.name 重复：{name!r}")
        measure = _choice(c, "measure", MEASURES, where)
        numerator = _choice(c, "numerator", NUMERATORS, where)
        denominator = _choice(c, "denominator", DENOMINATORS, where)
        threshold = _parse_threshold(c.get("threshold"), where)
        inclusive = c.get("inclusive")
        if not isinstance(inclusive, bool):
            raise ValueError(f"{where}.inclusive 必须是 true（以上，含本数）或 false（超过/过半数，不含本数）")
        if threshold == 1 and not inclusive:
            raise ValueError(f"{where}: 阈值为 1 且不含本数的条件永远无法通过")
        checks.append(Check(name, measure, numerator, denominator, threshold, inclusive))
    title = d.get("title_zh", "自定义规则")
    basis = d.get("legal_basis", "")
    if not isinstance(title, str) or not isinstance(basis, str):
        raise ValueError("title_zh 和 legal_basis 必须是字符串")
    return Rule(id=rule_id, title_zh=title, legal_basis=basis, checks=tuple(checks))


def fraction_str(value: Fraction) -> str:
    """Always "a/b" (reduced), even for whole numbers: "1/1", "0/1"."""
    return f"{value.numerator}/{value.denominator}"


def percent_str(numerator: int, denominator: int) -> str:
    """numerator/denominator as a percentage with 4 places, rounded half-even.

    "0.0000%" when the denominator is 0 (the check then fails; the ratio reads "0/0").
    """
    if denominator <= 0:
        return "0.0000%"
    quotient, rem = divmod(numerator * 1_000_000, denominator)
    if 2 * rem > denominator or (2 * rem == denominator and quotient % 2):
        quotient += 1
    sign = "-" if quotient < 0 else ""
    whole, frac = divmod(abs(quotient), 10_000)
    return f"{sign}{whole}.{frac:04d}%"


def evaluate_check(check: Check, numerator: int, denominator: int) -> dict:
    """The JSON-able verdict of one check.

    numerator/denominator are ints in the check's unit: heads, or hundredths of
    a m² for area. In the output both are strings ("12" for heads, "2048.20" for
    area) so the shape is uniform. margin = numerator − smallest passing
    numerator, in the same unit; margin ≥ 0 exactly when the check passes.
    """
    fmt = hundredths_str if check.measure == "area" else str
    ratio = "0/0" if denominator <= 0 else fraction_str(Fraction(numerator, denominator))
    return {
        "name": check.name,
        "measure": check.measure,
        "numerator": fmt(numerator),
        "denominator": fmt(denominator),
        "ratio": ratio,
        "percent": percent_str(numerator, denominator),
        "threshold": fraction_str(check.threshold),
        "inclusive": check.inclusive,
        "passed": check.passes(numerator, denominator),
        "margin": fmt(numerator - check.smallest_passing(denominator)),
    }
