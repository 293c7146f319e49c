"""`flask --app wsgi tally ROSTER.csv BALLOTS.csv --rule RULE [--policy first|last] [--json]`.

With `--items U-B-06,U-P-01 [--item-mode each|multi] [--per-stairwell U-B-06]` it recounts
the item answers of the ballots file's items column instead: `--json` prints exactly what
GET /api/v1/rounds/{id}/items returns for a round with those item questions.
"""
import json
import sys

import click

from .items import ITEM_MODES, item_questions
from .recount import RecountError, recount, recount_items
from .rules import PRESETS, UnknownRuleError, get_rule
from .summary_zh import items_summary_zh, summary_zh


@click.command("tally")
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.argument("ballots", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", "rule_id", required=True, help="表决规则: " + ", ".join(PRESETS))
@click.option("--policy", type=click.Choice(("first", "last")), default="first", show_default=True,
              help="first: 首次有效表决为准; last: 以截止前最后一次为准")
@click.option("--json", "as_json", is_flag=True, help="print exactly the tally object")
@click.option("--items", "items", default=None,
              help="改造项目意向：本轮征询的项目编号，逗号分隔（如 U-B-06,U-P-01）；给出时重新统计项目意见")
@click.option("--item-mode", type=click.Choice(ITEM_MODES), default="each", show_default=True,
              help="multi: 多选; each: 逐项同意/不同意/弃权")
@click.option("--per-stairwell", "per_stairwell", default="", help="按单元决定的项目编号，逗号分隔（如 U-B-06）")
def tally_command(roster, ballots, rule_id, policy, as_json, items, item_mode, per_stairwell):
    """Recount a roll and its ballots offline (exit 0 whether or not the rule passed).

    BALLOTS.csv may carry a signed_at (签署时间) column: when the owner signed a paper or
    proxy ballot. A voter's ballots are ordered by when they were expressed (signed_at if
    given, else cast_at; ties by cast_at), and --policy picks the first or the last of them.
    """
    try:
        rule = get_rule(rule_id)
    except UnknownRuleError as exc:
        raise click.UsageError(str(exc))
    questions = None
    if items is not None:
        try:
            questions = item_questions(_codes(items), item_mode, _codes(per_stairwell))
        except ValueError as exc:
            raise click.UsageError(str(exc))
    with open(roster, "rb") as r, open(ballots, "rb") as b:
        roster_bytes, ballots_bytes = r.read(), b.read()
    try:
        if questions is not None:
            result = recount_items(roster_bytes, ballots_bytes, rule, policy, questions, roster_name=roster,
                                   ballots_name=ballots)
        else:
            result = recount(roster_bytes, ballots_bytes, rule, policy, roster_name=roster, ballots_name=ballots)
    except RecountError as exc:
        click.echo("无法计票，文件有误：", err=True)
        for line in exc.problems:
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, sort_keys=True))
    elif questions is not None:
        click.echo(items_summary_zh(result))
    else:
        click.echo(summary_zh(result, rule))


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.replace("，", ",").split(",") if code.strip()]

