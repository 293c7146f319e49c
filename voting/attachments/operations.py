"""Attachment operations: store a cleaned upload, list and serve them. They flush only."""
import hashlib
from datetime import datetime
from urllib.parse import quote

from flask import Response
from sqlalchemy import select

from ..audit.log import record as audit
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.attachments import OWNER_TYPES, Attachment
from .images import IMAGE_FORMATS, PDF_TYPE, CleanFile, clean_upload


def add_attachment(*, estate_id: int, owner_type: str, owner_id: int, filename: str, data: bytes,
                   purpose: str, user_id: int | None, now: datetime) -> Attachment:
    """Clean the upload (raises images.UploadRefused) and add it to `owner`; flushes."""
    if owner_type not in OWNER_TYPES:
        raise ValueError(f"unknown owner_type {owner_type!r}")
    clean: CleanFile = clean_upload(filename, data, purpose)
    attachment = Attachment(
        estate_id=estate_id, owner_type=owner_type, owner_id=owner_id, purpose=purpose,
        filename=clean.filename, content_type=clean.content_type, size=len(clean.data),
        sha256=hashlib.sha256(clean.data).hexdigest(), data=clean.data, thumbnail=clean.thumbnail,
        created_at=now, created_by_id=user_id,
    )
    db.session.add(attachment)
    db.session.flush()
    # The hash in the estate's chain lets anyone check later that a published file is the one uploaded.
    actor = db.session.get(StaffUser, user_id).username if user_id else "system"
    audit(estate_id, "attachment_added", f"{owner_type}:{owner_id}", actor=actor, at=now,
          data={"attachment": attachment.id, "sha256": attachment.sha256, "size": attachment.size,
                "content_type": attachment.content_type, "purpose": purpose})
    return attachment


def attachments_of(owner_type: str, owner_ids: list[int]) -> dict[int, list[Attachment]]:
    """Attachments by owner id (in upload order), for several owners in one query (without their bytes)."""
    found: dict[int, list[Attachment]] = {owner_id: [] for owner_id in owner_ids}
    if not owner_ids:
        return found
    rows = db.session.scalars(
        select(Attachment).where(Attachment.owner_type == owner_type, Attachment.owner_id.in_(owner_ids))
        .order_by(Attachment.id)
    )
    for row in rows:
        found[row.owner_id].append(row)
    return found


def attachment_of(owner_type: str, owner_id: int, attachment_id: int) -> Attachment | None:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.owner_type != owner_type or attachment.owner_id != owner_id:
        return None
    return attachment


# What `attachment_response` may answer, for the OpenAPI document: `@blp.doc(responses=ATTACHMENT_RESPONSES)`.
ATTACHMENT_RESPONSES = {200: {"content": {
    content_type: {"schema": {"type": "string", "format": "binary"}}
    for content_type in (*(t for t, _ in IMAGE_FORMATS.values()), PDF_TYPE)}}}


def attachment_response(attachment: Attachment, thumbnail: bool = False) -> Response | None:
    """The stored bytes with headers that stop a browser from guessing or running them.

    Images are shown inline; PDFs are downloaded (a browser's PDF viewer is a
    larger attack surface than a saved file). `thumbnail` serves the JPEG thumbnail (None if there is none).
    """
    if thumbnail:
        if attachment.thumbnail is None:
            return None
        body, content_type = attachment.thumbnail, "image/jpeg"
    else:
        body, content_type = attachment.data, attachment.content_type
    disposition = "inline" if content_type.startswith("image/") else "attachment"
    ascii_name = "attachment" + ("." + attachment.filename.rsplit(".", 1)[-1] if "." in attachment.filename else "")
    return Response(body, content_type=content_type, headers={
        "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; "
                               f"filename*=UTF-8''{quote(attachment.filename)}",
        "X-Content-Type-Options": "nosniff",
        # Even if a browser rendered the file as a page, it could run nothing, nor be framed.
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
        "Cache-Control": "private, max-age=300",
    })
