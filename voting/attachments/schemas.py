"""The schema of an attachment in API responses: its facts, and where its file is served."""
import marshmallow as ma
from flask import url_for

# Where each owner's files are served: the endpoint and its argument naming the owner, and the
# thumbnail's endpoint with its extra arguments (None: no thumbnails are served there).
SERVED_AT = {
    "notice": ("board.notice_attachment", "notice_id", ("board.notice_thumbnail", {})),
    "milestone": ("notices_api.MilestoneAttachmentFile", "milestone_id", None),
    "paper_entry": ("paper_ballots.PaperFile", "entry_id", ("paper_ballots.PaperFile", {"thumbnail": 1})),
}


class AttachmentSchema(ma.Schema):
    """An Attachment row (its bytes are served at `url`)."""

    id = ma.fields.Integer()
    filename = ma.fields.String()
    content_type = ma.fields.String()
    size = ma.fields.Integer()
    sha256 = ma.fields.String()
    purpose = ma.fields.String()
    is_image = ma.fields.Boolean()
    url = ma.fields.Method("_file_url", metadata={"type": "string"})
    thumbnail_url = ma.fields.Method("_thumbnail_url", allow_none=True, metadata={
        "type": "string", "description": "images only"})
    created_at = ma.fields.AwareDateTime()

    def _file_url(self, attachment) -> str:
        endpoint, owner, _ = SERVED_AT[attachment.owner_type]
        return url_for(endpoint, **{owner: attachment.owner_id}, attachment_id=attachment.id)

    def _thumbnail_url(self, attachment) -> str | None:
        _, owner, thumbnail = SERVED_AT[attachment.owner_type]
        if thumbnail is None or not attachment.is_image:
            return None
        endpoint, extra = thumbnail
        return url_for(endpoint, **{owner: attachment.owner_id}, attachment_id=attachment.id, **extra)
