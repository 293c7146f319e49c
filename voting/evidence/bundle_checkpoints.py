"""The checkpoints an evidence bundle is checked against (pure): its own, and one the street office kept.

Every `checkpoints/*.json` in the bundle must be signed by the key the bundle is verified
with and be extended by its audit.jsonl. A checkpoint given from outside (`--checkpoint`)
is held to the same, which is what catches a chain truncated or rehashed in the database
before the bundle was made: the bundle is then consistent in itself, but not with what
was published earlier.
"""
from ..audit.checkpoint_format import extension_problem, later_than, load_checkpoint, signature_problem

PREFIX = "checkpoints/"


def _held_to(name: str, checkpoint: dict, events: list[dict], manifest: dict, key) -> list[str]:
    problem = signature_problem(checkpoint, key)
    if problem:
        return [f"{name}：{problem}"]
    audit = manifest.get("audit") if isinstance(manifest.get("audit"), dict) else {}
    problem = extension_problem(events, audit.get("chain"), checkpoint)
    if problem is None:
        return []
    if len(events) < checkpoint["length"] and later_than(checkpoint, str(manifest.get("generated_at"))):
        return [f"{name}：检查点签署于证据包生成（{manifest.get('generated_at')}）之后，"
                f"请用证据包生成之前的检查点校验它（{problem}）"]
    return [f"{name}：audit.jsonl 与检查点不符——{problem}"]


def bundle_checkpoint_problems(files: dict[str, bytes], events: list[dict], manifest: dict, key) -> list[str]:
    """Problems of the checkpoints the bundle holds, each against `events` (audit.jsonl, intact)."""
    problems = []
    for name in sorted(n for n in files if n.startswith(PREFIX)):
        try:
            checkpoint = load_checkpoint(files[name])
        except ValueError as exc:
            problems.append(f"{name}：{exc}")
            continue
        problems += _held_to(name, checkpoint, events, manifest, key)
    return problems


def kept_checkpoint_problems(checkpoint: dict, events: list[dict], manifest: dict, key) -> list[str]:
    """Problems of a checkpoint kept outside the bundle (already loaded), against `events`."""
    return _held_to("检查点文件", checkpoint, events, manifest, key)
