"""The process record of a round (三上三下): each step written with its audit event.

Every step a round takes — created, opened (up), closed (up), a notice published (down),
the result and answers published (down) — is a RoundTransition row and an audit event
`round_<action>`, written together here. Rounds record their own transitions; notices
record the "down" step of a notice posted for a round, which is why this sits below both.
Opening, closing and publishing the result also sign a checkpoint of the estate's chain
(checkpoints.py) in the same transaction, so the head that step left is anchored outside.
"""
from datetime import datetime

from ..extensions import db
from ..models.accounts import StaffUser
from ..models.rounds import Round, RoundTransition
from .checkpoints import write_checkpoint
from .log import record as audit

CHECKPOINTED_STEPS = ("opened", "closed", "result_published", "finalised")


def record_step(round_: Round, action: str, to_status: str, direction: str, actor_id: int | None, now: datetime,
                note: str = "", from_status: str | None = None) -> RoundTransition:
    """One step of the round's process record, with its audit event `round_<action>` (and, for
    CHECKPOINTED_STEPS, a signed checkpoint of the chain, which flushes)."""
    step = RoundTransition(round_id=round_.id, action=action, from_status=from_status, to_status=to_status,
                           direction=direction, actor_id=actor_id, at=now, note=note)
    db.session.add(step)
    actor = db.session.get(StaffUser, actor_id).username if actor_id else "system"
    audit(round_.estate_id, f"round_{action}", f"round:{round_.id}", actor=actor, at=now,
          data={"stage": round_.stage, "from": from_status, "to": to_status, "direction": direction, "note": note})
    if action in CHECKPOINTED_STEPS:
        write_checkpoint(round_.estate_id, f"round_{action}", round_.id, now)
    return step
