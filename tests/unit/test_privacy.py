"""Masking: one module, the same masked form of a name or number wherever it is shown."""
import ast
from pathlib import Path

import pytest

from voting.privacy import (hide_digits, looks_masked, mask_code, mask_link_token, mask_name, mask_phone,
                            mask_phone_digits, pseudonyms)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name, masked", [("张三明", "张*明"), ("李四", "李*"), ("欧阳小明", "欧**明"), ("王", "王"),
                                          ("", ""), (" 张三明 ", "张*明")])
def test_names_keep_their_first_and_last_character(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("phone, masked", [
    ("13812341234", "138****1234"),  # a roster's number (roster export)
    ("+8613812341234", "138****1234"),  # the same number in E.164 (SMS outbox, audit events, logs)
    ("+14155550100", "141****0100"),  # another country: its '+' dropped, not its code
    ("123456", "******"), ("+86123", "***"), ("", ""),  # shorter than 7: nothing shown
])
def test_phones_show_the_first_three_and_last_four_national_digits(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("phone, masked", [("13812341234", "138********"), ("+8613812341234", "138********"),
                                           ("123456", "******"), ("", "")])
def test_phones_without_their_last_digits_show_only_the_first_three(phone, masked):
    # The last four digits verify a voter in a phone4 round: this form shows none of them.
    assert mask_phone_digits(phone) == masked


def test_a_voting_link_token_is_cut_and_a_one_time_code_starred_in_a_text():
    text = "请投票：https://vote.example.cn/v/EQ-19QeLalYtOuRgPPWrcL3o 截止9月8日"
    assert mask_link_token(text, "EQ-19QeLalYtOuRgPPWrcL3o") == "请投票：https://vote.example.cn/v/EQ-1… 截止9月8日"
    assert mask_code("验证码 042917，10分钟内有效", "042917") == "验证码 ******，10分钟内有效"


def test_masked_values_are_recognised_and_pseudonyms_follow_first_appearance():
    assert looks_masked(mask_name("张三明")) and not looks_masked("张三明")
    assert pseudonyms(["K9", "K2", "K9", "", "K3"]) == {"K9": "V0001", "K2": "V0002", "K3": "V0003"}


def test_masking_is_defined_only_in_the_privacy_module():
    """A second masking rule drifts from the first; callers import voting.privacy instead."""
    outside = []
    for path in [*(ROOT / "voting").rglob("*.py"), *(ROOT / "notices").rglob("*.py")]:
        if path == ROOT / "voting" / "privacy.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            name = node.name.lstrip("_")
            if name in ("mask", "masked") or name.startswith(("mask_", "hide_")):
                outside.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert outside == []


def test_hide_digits_hides_every_run_of_three_or_more_digits():
    assert hide_digits("3幢502室张先生，电话13812341234") == "3幢***室张先生，电话***********"
    assert hide_digits("１２３４号") == "****号" and hide_digits("第2批") == "第2批"
