"""`flask --app wsgi evidence verify BUNDLE.zip [--public-key FILE]`: check an evidence bundle."""
import json
import sys
from io import BytesIO
from zipfile import ZipFile

import click
from flask.cli import AppGroup

from .bundle_verify import verify_bundle
from .keys import SigningKeyError, public_key_from_pem
from .signing import signing_key

evidence_cli = AppGroup("evidence", help="Evidence bundles (证据包).")


@evidence_cli.command("verify")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False))
@click.option("--public-key", "public_key_file", type=click.Path(exists=True, dir_okay=False),
              help="the service's public key (PEM), as served at /api/v1/evidence/public-key; "
                   "default: this instance's own key")
def verify_command(bundle, public_key_file):
    """Exit 0 only if the signature, every file's hash, the audit chain and the recount all hold."""
    try:
        if public_key_file:
            with open(public_key_file, "rb") as fh:
                key = public_key_from_pem(fh.read())
        else:
            key = signing_key().public_key()
    except (ValueError, SigningKeyError) as exc:
        raise click.UsageError(str(exc))
    with open(bundle, "rb") as fh:
        data = fh.read()
    problems = verify_bundle(data, key)
    if problems:
        click.echo(f"校验失败：{bundle}")
        for line in problems:
            click.echo(f"  ✗ {line}")
        sys.exit(1)
    archive = ZipFile(BytesIO(data))
    manifest, tally = json.loads(archive.read("manifest.json")), json.loads(archive.read("tally.json"))
    round_, estate = manifest["round"], manifest["estate"]
    click.echo(f"校验通过：{estate['name']} · {round_['title']}（轮次 {round_['id']}）")
    click.echo(f"  ✓ 清单签名有效（Ed25519，公钥指纹 {manifest['signing_key_sha256'][:16]}…）")
    click.echo(f"  ✓ {len(manifest['files'])} 个文件的 SHA-256 与清单一致，无缺少或多余的文件")
    click.echo(f"  ✓ 审计链完整：{manifest['audit']['length']} 条记录，链头 {manifest['audit']['head'][:16]}…")
    click.echo(f"  ✓ 由 roster.csv 与 ballots.csv 重新计票，与 tally.json 完全一致："
               f"{'通过' if tally['passed'] else '未通过'}（{manifest['rule']['title_zh']}）")
