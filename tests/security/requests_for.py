"""A well-formed request for each staff endpoint that takes a body, so a refusal is about who
asks, not about what was sent (argument parsing runs before a view can check jurisdiction)."""
import io

from tests.full_dataset import ROSTER, jpeg_bytes

NOTICE = {"title": "公示", "body": "正文", "starts_on": "2026-09-02", "working_days": 5}
PROPOSAL = {"title": "方案", "summary": "说明", "items": ["R-B-01"], "estimated_cost": "1000.00"}
# API endpoint → (keyword arguments of the test client's request) factory
API_BODIES = {
    "estates.Estates": lambda ids: {"json": {"name": "新小区", "street": "和睦街道", "community": "和睦社区",
                                             "built_year": 1990}},
    "estates.Roster": lambda ids: {"data": {"file": (io.BytesIO(ROSTER), "roster.csv")},
                                   "content_type": "multipart/form-data"},
    "proposals.EstateProposals": lambda ids: {"json": PROPOSAL},
    "proposals.ProposalVersions": lambda ids: {"json": PROPOSAL},
    "proposals.ProposalFinalCost": lambda ids: {"json": {"total_cost": "1000.00", "audited_on": "2026-09-01"}},
    "rounds.ProposalRounds": lambda ids: {"json": {"stage": 1, "opens_at": "2026-09-10T09:00:00+08:00",
                                                   "closes_at": "2026-09-20T09:00:00+08:00"}},
    "rounds.RoundResult": lambda ids: {"json": {"answers": []}},
    "rounds.RoundOpinions": lambda ids: {"json": {"text": "意见"}},
    "rounds.RoundObjections": lambda ids: {"json": {"text": "异议"}},
    "rounds.RoundCancel": lambda ids: {"json": {"reason": "时间填错"}},
    "rounds.RoundItem": lambda ids: {"json": {"title": "第一次征询：改造意愿"}},
    "rounds.ObjectionAnswerItem": lambda ids: {"json": {"answer": "答复"}},
    "estates.HouseholdItem": lambda ids: {"json": {"area": "81.00", "reason": "面积更正"}},
    "estates.CommunityContact": lambda ids: {"json": {"hotline": "0571-88001234", "office": "社区服务中心"}},
    "notices_api.RoundNotices": lambda ids: {"json": NOTICE},
    "notices_api.ProposalNotices": lambda ids: {"json": NOTICE},
    "notices_api.NoticeCorrections": lambda ids: {"json": NOTICE},
    "notices_api.NoticeAttachments": lambda ids: {"data": {"file": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                                                  "content_type": "multipart/form-data"},
    "notices_api.EstateMilestones": lambda ids: {"json": {"step": "application", "on_date": "2026-09-01"}},
    "notices_api.MilestoneAttachments": lambda ids: {"data": {"file": (io.BytesIO(jpeg_bytes()), "a.jpg")},
                                                     "content_type": "multipart/form-data"},
    "notices_api.MilestonePhotoPublication": lambda ids: {"json": {"published": True, "caption": "施工现场"}},
    "calendar_api.CalendarYearItem": lambda ids: {"json": {"holidays": ["2026-01-01"], "source": "国务院办公厅通知"}},
    "links.LinkReissue": lambda ids: {"json": {"reason": "二维码遗失"}},
    "paper_ballots.RoundPaperBallots": lambda ids: {
        "data": {"household_id": str(ids["household_id"]), "choice": "agree",
                 "scan": (io.BytesIO(jpeg_bytes()), "scan.jpg")}, "content_type": "multipart/form-data"},
    "paper_ballots.PaperReject": lambda ids: {"json": {"reason": "照片不清"}},
    "sms.RoundReminders": lambda ids: {"json": {}},
    "rounds.AftercareProblemStatus": lambda ids: {"json": {"status": "in_progress"}},
    "sms.RoundConfirmationTexts": lambda ids: {"json": {"enabled": False, "reason": "业主大会决定不发短信"}},
    "staff_accounts.Streets": lambda ids: {"json": {"name": "新街道"}},
    "staff_accounts.StreetCommunities": lambda ids: {"json": {"name": "新社区"}},
    "staff_accounts.Accounts": lambda ids: {"json": {"username": "new-worker", "role": "community",
                                                     "community_id": 1, "password": "a-long-password-1"}},
    "staff_accounts.AccountItem": lambda ids: {"json": {"display_name": "张三", "post": "社区书记"}},
    "staff_accounts.OwnAccount": lambda ids: {"json": {"office_phone": "0571-87654321"}},
}
# Page endpoint → form fields besides csrf_token (pages check jurisdiction before reading the form;
# where one reads a file first, it is given one).
PAGE_FORMS = {
    "estate_pages.roster_upload": lambda ids: {"file": (io.BytesIO(ROSTER), "roster.csv")},
    "notice_pages.milestone_upload": lambda ids: {"file": (io.BytesIO(jpeg_bytes()), "a.jpg")},
    "round_notice_pages.attach": lambda ids: {"file": (io.BytesIO(jpeg_bytes()), "a.jpg")},
    "ballot_staff_pages.paper_enter": lambda ids: {"household_id": str(ids["household_id"]), "choice": "agree",
                                                   "scan": (io.BytesIO(jpeg_bytes()), "scan.jpg")},
}
