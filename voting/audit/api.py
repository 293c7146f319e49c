"""/api/v1/estates/{id}/audit/checkpoint: the estate chain's latest signed checkpoint, for anyone to keep."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from ..extensions import db
from ..models.estates import Estate
from .checkpoints import checkpoint_document, latest_checkpoint
from .schemas import CheckpointSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="审计链检查点（公开）")


@blp.route("/estates/<int:estate_id>/audit/checkpoint")
class EstateCheckpoint(MethodView):
    @blp.response(200, CheckpointSchema)
    @blp.alt_response(404, description="找不到该小区，或尚无检查点")
    def get(self, estate_id):
        """The latest signed checkpoint of the estate's audit chain. Public: no login. Keep a copy; check the
        chain against it later with `flask --app wsgi audit verify --estate ID --checkpoint FILE` or a bundle
        with `flask --app wsgi evidence verify BUNDLE --public-key KEY --checkpoint FILE`."""
        if db.session.get(Estate, estate_id) is None:
            abort(404, message="找不到该小区")
        row = latest_checkpoint(estate_id)
        if row is None:
            abort(404, message="该小区的审计链尚无检查点（开始表决时签署第一个）")
        return checkpoint_document(row)
