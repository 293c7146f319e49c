"""`flask --app wsgi tally ROSTER.csv BALLOTS.csv --rule RULE [--policy first|last] [--json]`."""
import json
import sys

import click

from .recount import RecountError, recount
from .rules import PRESETS, UnknownRuleError, get_rule
from .summary_zh import summary_zh


@click.command("tally")
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.argument("ballots", type=click.Path(exists=True, dir_okay=False))
@click.option("--rule", "rule_id", required=True, help="表决规则: " + ", ".join(PRESETS))
@click.option("--policy", type=click.Choice(("first", "last")), default="first", show_default=True,
              help="first: 首次有效表决为准; last: 以截止前最后一次为准")
@click.option("--json", "as_json", is_flag=True, help="print exactly the tally object")
def tally_command(roster, ballots, rule_id, policy, as_json):
    """Recount a roll and its ballots offline (exit 0 whether or not the rule passed).

    BALLOTS.csv may carry a signed_at (签署时间) column: when the owner signed a paper or
    proxy ballot. A voter's ballots are ordered by when they were expressed (signed_at if
    given, else cast_at; ties by cast_at), and --policy picks the first or the last of them.
    """
    try:
        rule = get_rule(rule_id)
    except UnknownRuleError as exc:
        raise click.UsageError(str(exc))
    with open(roster, "rb") as r, open(ballots, "rb") as b:
        roster_bytes, ballots_bytes = r.read(), b.read()
    try:
        result = recount(roster_bytes, ballots_bytes, rule, policy, roster_name=roster, ballots_name=ballots)
    except RecountError as exc:
        click.echo("无法计票，文件有误：", err=True)
        for line in exc.problems:
            click.echo(f"  {line}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, sort_keys=True))
    else:
        click.echo(summary_zh(result, rule))
