"""Staff accounts: district (区住建局), street office (街道), community worker (社区)."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import UTCDateTime, utcnow
from ..extensions import db
from ..labels_zh import ROLE_ZH
from .estates import Community, Street

ROLES = ("district", "street", "community")


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_users"
    __table_args__ = (
        CheckConstraint("role IN ('district','street','community')", name="role_known"),
        CheckConstraint(
            "(role = 'district' AND street_id IS NULL AND community_id IS NULL)"
            " OR (role = 'street' AND street_id IS NOT NULL AND community_id IS NULL)"
            " OR (role = 'community' AND street_id IS NULL AND community_id IS NOT NULL)",
            name="role_scope",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    street_id: Mapped[int | None] = mapped_column(ForeignKey("streets.id"))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"))
    # How evidence and pages name the person ("张三（社区书记）"); the login name only when unset.
    display_name: Mapped[str | None] = mapped_column(String(40))
    post: Mapped[str | None] = mapped_column(String(40))  # 职务
    office_phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    # Raised by logout, a password change and disabling: every page session and API token
    # carries the version it was issued under and stops working when it is no longer current.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    street: Mapped[Street | None] = relationship()
    community: Mapped[Community | None] = relationship()

    @property
    def is_active(self) -> bool:  # flask-login
        return self.active

    def get_id(self) -> str:  # flask-login keeps this in the session cookie
        return f"{self.id}.{self.session_version}"

    @property
    def person_zh(self) -> str:
        """The operator as evidence and pages name them: "张三（社区书记）", else the login name."""
        name = self.display_name or self.username
        return f"{name}（{self.post}）" if self.post else name

    @property
    def role_zh(self) -> str:
        return ROLE_ZH[self.role]

    @property
    def scope_zh(self) -> str:
        if self.role == "community":
            return f"{self.community.street.name} · {self.community.name}"
        if self.role == "street":
            return self.street.name
        return "全区"
