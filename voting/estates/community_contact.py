"""The community's own hotline and office: set by staff, printed on slips, shown to residents.

Nothing is printed where nothing is set: no placeholder number anywhere. A change is an
audit event in the chain of every estate of the community (the slips of each print it).
"""
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..audit.log import record as audit
from ..extensions import db
from ..models.accounts import StaffUser
from ..models.estates import Community, Estate
from ..refusals import Refused

# A landline or mobile as people write it: digits, spaces, hyphens, parentheses, a leading +, an extension.
PHONE_SHAPE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,30}(转[0-9]{1,6})?$")


class ContactRefused(Refused):
    """A hotline or office that cannot be kept as given (422)."""


@dataclass(frozen=True)
class Contact:
    hotline: str
    office: str

    def lines_zh(self) -> list[str]:
        """'社区电话：…', '社区办公地点：…', each only where set."""
        lines = []
        if self.hotline:
            lines.append(f"社区电话：{self.hotline}")
        if self.office:
            lines.append(f"社区办公地点：{self.office}")
        return lines

    def line_zh(self) -> str:
        return "；".join(self.lines_zh())


def contact_of(estate: Estate) -> Contact:
    community = estate.community
    return Contact(community.hotline, community.office)


def set_contact(community: Community, hotline: str, office: str, actor_id: int | None, now: datetime) -> Community:
    """Keep the community's hotline and office ("" clears one); flushes and audits."""
    hotline, office = hotline.strip(), office.strip()
    if hotline and not PHONE_SHAPE.match(hotline):
        raise ContactRefused(422, "社区电话格式不正确，请填写座机或手机号，如 0571-88001234",
                             {"hotline": ["电话格式不正确"]})
    community.hotline, community.office = hotline, office
    db.session.flush()
    actor = db.session.get(StaffUser, actor_id).username if actor_id else "system"
    for estate_id in db.session.scalars(select(Estate.id).where(Estate.community_id == community.id)):
        audit(estate_id, "community_contact_set", f"community:{community.id}", actor=actor, at=now,
              data={"hotline": hotline, "office": office})
    return community
