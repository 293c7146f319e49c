"""`flask --app wsgi evidence verify BUNDLE.zip [--public-key FILE] [--checkpoint FILE]`: check an evidence bundle."""
import json
import sys
from io import BytesIO
from zipfile import ZipFile

import click
from flask.cli import AppGroup

from ..audit.cli import public_key_option, signed_checkpoint
from ..audit.keys import key_fingerprint
from .bundle_checkpoints import PREFIX
from .bundle_verify import verify_bundle

evidence_cli = AppGroup("evidence", help="Evidence bundles (证据包).")


@evidence_cli.command("verify")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", "public_key_file", type=click.Path(exists=True, dir_okay=False),
              help="the service's public key (PEM), as served at /api/v1/evidence/public-key; "
                   "default: this instance's own key")
@click.option("--checkpoint", "checkpoint_file", type=click.Path(exists=True, dir_okay=False),
              help="a checkpoint JSON kept from earlier (GET /api/v1/estates/ID/audit/checkpoint, or from an "
                   "earlier bundle's checkpoints/) that the bundle's audit chain must extend")
def verify_command(bundle, public_key_file, checkpoint_file):
    """Exit 0 only if the signature (by the key given, named in the manifest), every file's hash, the audit
    chain, its checkpoints and the recount all hold."""
    key = public_key_option(public_key_file)
    # Say which key was used, not which key the manifest claims: they may differ.
    click.echo(f"校验所用公钥指纹：{key_fingerprint(key)}")
    checkpoint = signed_checkpoint(checkpoint_file, key) if checkpoint_file else None
    with open(bundle, "rb") as fh:
        data = fh.read()
    problems = verify_bundle(data, key, checkpoint)
    if problems:
        click.echo(f"校验失败：{bundle}")
        for line in problems:
            click.echo(f"  ✗ {line}")
        sys.exit(1)
    archive = ZipFile(BytesIO(data))
    manifest, tally = json.loads(archive.read("manifest.json")), json.loads(archive.read("tally.json"))
    round_, estate = manifest["round"], manifest["estate"]
    held = sum(1 for name in archive.namelist() if name.startswith(PREFIX))
    click.echo(f"校验通过：{estate['name']} · {round_['title']}（轮次 {round_['id']}）")
    click.echo(f"  ✓ 清单签名有效（Ed25519，公钥指纹 {key_fingerprint(key)}，与清单声明一致）")
    click.echo(f"  ✓ {len(manifest['files'])} 个文件的 SHA-256 与清单一致，无缺少或多余的文件")
    click.echo(f"  ✓ 审计链完整：{manifest['audit']['length']} 条记录，链头 {manifest['audit']['head'][:16]}…")
    click.echo(f"  ✓ 证据包内 {held} 个检查点签名有效，审计链延续每一个")
    if checkpoint is not None:
        click.echo(f"  ✓ 延续所给检查点：签署于 {checkpoint['at']} 的 {checkpoint['length']} 条记录、"
                   f"链头 {checkpoint['head'][:16]}…")
    if round_.get("kind") == "satisfaction":
        click.echo("  ✓ 由 roster.csv、ballots.csv 与 survey_items.csv 重新统计，与 tally.json 完全一致："
                   f"调查结果（不设通过条件），已作答 {tally['answered']['heads']} 人")
    else:
        click.echo(f"  ✓ 由 roster.csv 与 ballots.csv 重新计票，与 tally.json 完全一致："
                   f"{'通过' if tally['passed'] else '未通过'}（{manifest['rule']['title_zh']}）")
