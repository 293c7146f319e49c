"""Chinese labels: one table per concept, naming exactly the codes the service uses, and no second copy.

Copies drift: the public board once said 结果公示 where the staff list said 结果公告.
"""
import ast
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from notices.operations import notice_phase
from notices.project_steps import FLAGS as PROJECT_FLAGS
from voting import labels_zh
from voting.attachments.images import PURPOSES
from voting.audit.checkpoints import DAILY
from voting.audit.process_record import CHECKPOINTED_STEPS
from voting.ballots.casting import ballot_standing
from voting.ballots.link_reissues import STATUSES as REISSUE_STATUSES
from voting.estates.eras import ELIGIBILITIES, ERAS, eligibility, era_for
from voting.models.accounts import ROLES
from voting.models.ballots import PaperConfirmation
from voting.models.notices import MILESTONE_STEPS, NOTICE_KINDS
from voting.models.aftercare import AFTERCARE_STATUSES
from voting.models.rounds import KINDS as ROUND_KINDS, OBJECTION_CHANNELS, STATUSES as ROUND_STATUSES, VERIFICATIONS
from voting.models.slip_jobs import STATUSES as SLIP_JOB_STATUSES
from voting.models.sms import KINDS as SMS_KINDS, STATES as SMS_STATES
from voting.proposals.catalogue import AREAS as ITEM_AREAS, KINDS as ITEM_KINDS
from voting.proposals.funding import RESIDENT_MODES
from voting.phone_numbers import PHONE_KINDS
from voting.roster.roster_import import AREA_SOURCES, HOLDING_STATUSES
from voting.rounds.objections import RESULT_STATES
from voting.tally.items import ITEM_ANSWERS, ITEM_MODES, NOT_ANSWERED
from voting.tally.rules import DENOMINATORS, MEASURES, NUMERATORS, PRESETS, get_rule
from voting.tally.satisfaction import SATISFACTION_CHOICES, satisfaction_tally
from voting.tally.standing import POLICIES
from voting.tally.tally import CHANNELS, CHOICES, assemble

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "voting" / "labels_zh.py"
CJK = re.compile(r"[\u4e00-\u9fff]")
CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def _transition_codes() -> tuple[set[str], set[str]]:
    """The actions and directions written into a round's timeline, read from every call that writes one."""
    actions, directions = set(), set()
    for path in (ROOT / "voting" / "rounds" / "operations.py", ROOT / "notices" / "operations.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "record_step"):
                action, direction = node.args[1], node.args[3]
                actions.add(action.value)
                if direction.value:
                    directions.add(direction.value)
    return actions, directions


def _figures() -> set[str]:
    result = assemble(get_rule("double-two-thirds"), "first", {k: (0, 0) for k in ("all", *CHOICES)}, [])
    return {key for key, value in result.items() if isinstance(value, dict) and set(value) == {"heads", "area"}}


def _paper_entry_statuses() -> set[str]:
    # pending until a second worker decides; then the decision's outcome (its CHECK constraint lists them).
    (check,) = [str(c.sqltext) for c in PaperConfirmation.__table__.constraints
                if str(getattr(c, "sqltext", "")).startswith("outcome IN")]
    return {"pending_confirmation", *re.findall(r"'(\w+)'", check)}


ACTIONS, DIRECTIONS = _transition_codes()
PHASES = {notice_phase(SimpleNamespace(starts_on=date(2026, 9, 10), ends_on=date(2026, 9, 17)), date(2026, 9, day))
          for day in range(1, 30)}
CODES = {  # each table → the codes the service stores, computes or writes
    "CHOICE_ZH": set(CHOICES),
    "CHANNEL_ZH": set(CHANNELS),
    "BALLOT_STANDING_ZH": {ballot_standing(SimpleNamespace(seq=seq), policy, 2)
                           for policy in POLICIES for seq in (1, 2)},
    "PAPER_ENTRY_STATUS_ZH": _paper_entry_statuses(),
    "REISSUE_STATUS_ZH": set(REISSUE_STATUSES),
    "SLIP_JOB_STATUS_ZH": set(SLIP_JOB_STATUSES),
    "BALLOT_POLICY_ZH": set(POLICIES),
    "VERIFICATION_ZH": set(VERIFICATIONS),
    "ROUND_STATUS_ZH": set(ROUND_STATUSES),
    "ROUND_ACTION_ZH": ACTIONS,
    "DIRECTION_ZH": DIRECTIONS,
    "CHECKPOINT_REASON_ZH": {f"round_{step}" for step in CHECKPOINTED_STEPS} | {DAILY},
    "FIGURE_ZH": _figures(),
    "MEASURE_ZH": set(MEASURES),
    "MEASURE_UNIT_ZH": set(MEASURES),
    "CHECK_PART_ZH": set(NUMERATORS) | set(DENOMINATORS),
    "NOTICE_KIND_ZH": set(NOTICE_KINDS),
    "RESULT_STATE_ZH": set(RESULT_STATES),
    "OBJECTION_CHANNEL_ZH": set(OBJECTION_CHANNELS),
    "RESIDENT_MODE_ZH": set(RESIDENT_MODES),
    "NOTICE_PHASE_ZH": PHASES,
    "NOTICE_BOARD_SECTION_ZH": PHASES,
    "ATTACHMENT_PURPOSE_ZH": set(PURPOSES) | {"scan", "authorisation"},  # and a paper entry's two photos
    "MILESTONE_STEP_ZH": set(MILESTONE_STEPS),
    "MILESTONE_FLAG_ZH": set(PROJECT_FLAGS),
    "FUNDING_STAGE_ZH": {"estimate", "final"},
    "ERA_ZH": set(ERAS) | {era_for(year) for year in range(1900, 2030)},
    "ELIGIBILITY_ZH": set(ELIGIBILITIES) | {eligibility(year, affordable) for year in (1990, 2005)
                                            for affordable in (False, True)} - {None},
    "AREA_SOURCE_ZH": set(AREA_SOURCES),
    "HOLDING_STATUS_ZH": set(HOLDING_STATUSES),
    "PHONE_KIND_ZH": set(PHONE_KINDS),
    "ITEM_KIND_ZH": set(ITEM_KINDS),
    "ITEM_AREA_ZH": set(ITEM_AREAS),
    "ITEM_ANSWER_ZH": set(ITEM_ANSWERS) | {NOT_ANSWERED},
    "ITEM_MODE_ZH": set(ITEM_MODES),
    "ROLE_ZH": set(ROLES),
    "SMS_STATE_ZH": set(SMS_STATES),
    "SMS_KIND_ZH": set(SMS_KINDS),
    "ROUND_KIND_ZH": set(ROUND_KINDS),
    "SATISFACTION_ZH": set(SATISFACTION_CHOICES),
    "SATISFACTION_FIGURE_ZH": {key for key, value in satisfaction_tally([], []).items()
                               if isinstance(value, dict) and "heads" in value},
    "AFTERCARE_STATUS_ZH": set(AFTERCARE_STATUSES),
}
EXTERNAL = {"SMS_PROVIDER_STATUS_ZH"}  # Twilio's message statuses: its codes, not ours


def test_every_table_is_checked_against_the_codes_it_names():
    assert set(labels_zh.tables()) == set(CODES) | EXTERNAL


@pytest.mark.parametrize("name", sorted(CODES))
def test_every_code_of_a_concept_has_exactly_one_chinese_label(name):
    table = labels_zh.tables()[name]
    assert set(table) == CODES[name]
    assert all(isinstance(label, str) and label.strip() for label in table.values())
    assert all(CJK.search(label) for label in table.values()) or name == "MEASURE_UNIT_ZH"  # ㎡ is no CJK ideograph
    assert len(set(table.values())) == len(table), "two codes with one label: a person cannot tell them apart"


def test_no_code_is_written_twice_in_a_table():
    # A dict literal keeps the last of two equal keys without a word: read the source instead.
    for node in ast.walk(ast.parse(LABELS.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            assert len(keys) == len(set(keys)), f"line {node.lineno}: {keys}"


def test_the_wording_decided_where_copies_differed():
    assert labels_zh.NOTICE_KIND_ZH == {"plan": "方案公示", "result": "结果公告", "answers": "意见答复", "announcement": "公告"}
    assert labels_zh.FIGURE_ZH["total"] == "名册合计"
    assert labels_zh.CHANNEL_ZH["paper"] == "纸质"
    assert [labels_zh.check_title_zh(c.measure, c.numerator, c.denominator)
            for c in PRESETS["civil-code-278-major"].checks] == [
        "参与表决的专有部分面积占总专有部分面积", "参与表决的人数占总人数",
        "同意的专有部分面积占参与表决专有部分面积", "同意的人数占参与表决人数"]
    assert labels_zh.notice_kind_zh("unknown") == "公示"


def _code_label_pairs(node: ast.AST) -> list[tuple[str, str]] | None:
    """(code, Chinese) pairs of a dict literal or a tuple of 2-tuples; None for anything else."""
    if isinstance(node, ast.Dict):
        pairs = [(k, v) for k, v in zip(node.keys, node.values) if k is not None]
    elif isinstance(node, (ast.Tuple, ast.List)) and node.elts and all(
            isinstance(e, ast.Tuple) and len(e.elts) == 2 for e in node.elts):
        pairs = [tuple(e.elts) for e in node.elts]
    else:
        return None
    return [(k.value, v.value) for k, v in pairs
            if isinstance(k, ast.Constant) and isinstance(v, ast.Constant) and isinstance(k.value, str)
            and isinstance(v.value, str) and CODE.match(k.value) and CJK.search(v.value)]


def _second_table(pairs, where: str) -> list[str]:
    codes = {code for code, _ in pairs}
    return [f"{where} maps {sorted(codes & set(table))} like labels_zh.{name}"
            for name, table in labels_zh.tables().items() if len(codes & set(table)) >= 2]


def test_no_second_table_for_a_concept_outside_the_labels_module():
    """Python dict literals and (code, label) pairs, Jinja dict literals and <option>s: use labels_zh instead."""
    found = []
    for path in sorted([*(ROOT / "voting").rglob("*.py"), *(ROOT / "notices").rglob("*.py")]):
        if path == LABELS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            pairs = _code_label_pairs(node)
            if pairs:
                found += _second_table(pairs, f"{path.relative_to(ROOT)}:{node.lineno}")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for literal in re.finditer(r"\{[^{}%]*\}", text):
            pairs = re.findall(r"""['"](\w+)['"]\s*:\s*['"]([^'"]*[\u4e00-\u9fff][^'"]*)['"]""", literal.group())
            found += _second_table(pairs, f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, literal.start()) + 1}")
        options = re.findall(r"""<option value=['"](\w+)['"][^>]*>([^<{]*[\u4e00-\u9fff][^<{]*)</option>""", text)
        found += _second_table(options, f"{path.relative_to(ROOT)} <option>s")
    assert found == []
