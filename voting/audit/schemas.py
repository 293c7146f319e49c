"""Schema of the published checkpoint (voting.audit.checkpoint_format)."""
import marshmallow as ma

F = ma.fields


class CheckpointSchema(ma.Schema):
    format = F.String(metadata={"description": "hz-renovation-checkpoint/1"})
    estate_id = F.Integer()
    chain = F.String(metadata={"description": "the audit chain, e.g. estate:12"})
    length = F.Integer(metadata={"description": "events in the chain when signed"})
    head = F.String(metadata={"description": "SHA-256 (hex) of event number `length`; 64 zeros if none"})
    at = F.String(metadata={"description": "when signed, ISO 8601 in UTC"})
    reason = F.String(metadata={"description": "round_opened / round_closed / round_result_published / daily"})
    round_id = F.Integer(allow_none=True)
    signing_key_sha256 = F.String(metadata={"description": "SHA-256 of the raw Ed25519 public key"})
    signature = F.String(metadata={"description": "hex of the Ed25519 signature over the other fields as sorted, "
                                                  "compact UTF-8 JSON"})
