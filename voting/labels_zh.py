"""Chinese for people, English for machines: the one table of labels per concept (pure).

Every English code a person may see (on a page, in a PDF, a spreadsheet, a CSV or
a CLI summary) is named here, once; the domain modules keep the codes themselves
(`voting.tally.tally.CHOICES`, `notices.models.NOTICE_KINDS` …) and
tests/unit/test_labels_zh.py proves each table names exactly those codes and that
no second table for a concept appears elsewhere. Templates get every table as a
global of the same name (`tables()`, registered in `voting.app`).

Ballots
- CHOICE_ZH: the ballot page, confirmation and receipt; paper-entry form and lists;
  report households (PDF, XLSX, CSV); ballots-file import accepts these words.
- CHANNEL_ZH: report households; the paper-entry form and lists (a paper entry's
  kind is the channel its ballot gets); ballots-file import accepts these words.
- BALLOT_STANDING_ZH: the resident's receipt ("是否计入").
- PAPER_ENTRY_STATUS_ZH: the paper-entry lists and the confirm/reject flash.
- REISSUE_STATUS_ZH: the round page's list of link reissue requests (two accounts).
- SLIP_JOB_STATUS_ZH: the slips being drawn in the background (the job page and API's `status_zh`).
- BALLOT_POLICY_ZH: round page, proposal page's round form, paper-entry page,
  report ("计票口径"), tally CLI summary.
- VERIFICATION_ZH: the proposal page's round form.

Rounds and the tally
- ROUND_STATUS_ZH: round, proposal and street-dashboard pages, report, refusals.
- ROUND_ACTION_ZH, DIRECTION_ZH: the round page's timeline (三上三下) and the report's, through
  `round_action_zh(action, stage)`, which names the round's own stage (STAGE_NUMERALS).
- CHECKPOINT_REASON_ZH: why an audit-chain checkpoint was signed, on the public board.
- RESULT_STATE_ZH: a closed round's result, provisional (objection period) or final: the
  resident's link and its API, the round page, the street dashboard.
- OBJECTION_CHANNEL_ZH: how an objection came in (the link or paper): link and round pages.
- FIGURE_ZH: the tally's figures on the round page, report (PDF, XLSX, CSV), CLI summary.
- MEASURE_ZH, MEASURE_UNIT_ZH: check titles, units on the progress page, report, CLI summary.
- CHECK_PART_ZH: the two sides of a check, through `check_title_zh` (round, progress
  pages and the progress API's `label_zh`, report).
- ROUND_KIND_ZH: a decision round or a satisfaction survey: round and proposal pages, board.
- SATISFACTION_ZH: a satisfaction round's answers (the link's survey, paper entry, receipt,
  the result notice); `answer_zh(code)` names a ledger choice of either kind.
- SATISFACTION_FIGURE_ZH: the satisfaction count's figures (round page, result notice).
- AFTERCARE_STATUS_ZH: an after-care problem's status: the link page and the community's list.

Notices, estates, rosters, staff, SMS
- NOTICE_KIND_ZH: public board (公示栏), staff notice list and form, report.
- NOTICE_PHASE_ZH: a notice's state on the public board and the staff notice list, and
  the street dashboard's 公示状态; NOTICE_BOARD_SECTION_ZH: the public board's headings.
- ATTACHMENT_PURPOSE_ZH: upload forms of notices and milestones, paper-entry photos.
- MILESTONE_STEP_ZH: milestone form and flash, street dashboard, API error message.
- MILESTONE_FLAG_ZH: the project's steps out of order or late (notices/project_steps.py): progress
  page, public board, household link, street dashboard.
- FUNDING_STAGE_ZH: whether money figures are the estimate (估算) or the audited final cost (决算).
- ERA_ZH: estate list and detail pages and API (`era_zh`); ELIGIBILITY_ZH: estate detail page.
- AREA_SOURCE_ZH, HOLDING_STATUS_ZH: roster page; roster import accepts these words and the
  roster export and template write them.
- PHONE_KIND_ZH: a roll phone's kind (a landline is kept and shown, never texted): roster page.
- RESIDENT_MODE_ZH: what residents pay under a plan version: the proposal page's form.
- ITEM_KIND_ZH, ITEM_AREA_ZH: the renovation menu (`CatalogueItem.label_zh`), proposal page.
- ROLE_ZH: the staff header (`StaffUser.role_zh`).
- SMS_STATE_ZH: the SMS outbox page and the round page's SMS line; SMS_KIND_ZH,
  SMS_PROVIDER_STATUS_ZH (Twilio's statuses): the SMS outbox page.
"""

CHOICE_ZH = {"agree": "同意", "disagree": "不同意", "abstain": "弃权"}
CHANNEL_ZH = {"online": "线上", "paper": "纸质", "proxy": "委托"}
BALLOT_STANDING_ZH = {"counted": "计入", "duplicate": "不计入（以首次表决为准）", "superseded": "已被之后的表决取代"}
PAPER_ENTRY_STATUS_ZH = {"pending_confirmation": "待确认", "counted": "已确认，计入",
                         "duplicate": "已确认，不计入（按签署时间和计票口径，以该业主另一次表决为准）", "rejected": "已退回"}
REISSUE_STATUS_ZH = {"pending": "待另一位工作人员确认", "confirmed": "已确认，新链接已发放"}
SLIP_JOB_STATUS_ZH = {"queued": "排队等待生成", "running": "正在生成", "done": "已生成，可以下载",
                      "failed": "生成失败", "expired": "已过保存期限，请重新下载"}
BALLOT_POLICY_ZH = {"first": "以首次有效表决为准（之后的表决保留但不计入）", "last": "截止前可修改，以最后一次表决为准"}
VERIFICATION_ZH = {"link": "凭二维码", "phone4": "核对登记手机号后四位", "sms": "短信验证码（发往登记手机号）"}

ROUND_STATUS_ZH = {"draft": "草稿", "open": "表决中", "closed": "已截止", "published": "结果已公布",
                   "cancelled": "已取消"}
# "{n}" is the round's stage in words (一/二/三): 二上 for the second consultation's opinions going up.
ROUND_ACTION_ZH = {"created": "创建", "edited": "修改草稿", "cancelled": "取消（未开始表决）",
                   "opened": "开始表决（{n}上：征集意见）", "closed": "截止计票",
                   "result_published": "公布结果并答复意见（{n}下）", "notice_published": "发布公示",
                   "finalised": "异议期满，确认最终结果"}
STAGE_NUMERALS = {1: "一", 2: "二", 3: "三"}
DIRECTION_ZH = {"up": "上", "down": "下"}
CHECKPOINT_REASON_ZH = {"round_opened": "开始表决时", "round_closed": "截止计票时", "round_result_published": "公布结果时",
                        "round_finalised": "确认最终结果时", "daily": "表决期间每日"}
RESULT_STATE_ZH = {"none": "尚未截止", "provisional": "结果公告中（异议期，尚未最终确认）", "final": "最终结果"}
OBJECTION_CHANNEL_ZH = {"online": "扫码提交", "paper": "书面提交"}
RESIDENT_MODE_ZH = {"per_m2": "按每平方米出资", "total": "出资总额按面积分摊", "none": "居民无需出资"}
# In the tally's order; "total" is the frozen roll's, hence 名册合计 rather than a bare 总计.
FIGURE_ZH = {"total": "名册合计", "participating": "参与表决", **CHOICE_ZH, "not_voted": "未表决"}
MEASURE_ZH = {"heads": "人数", "area": "专有部分面积"}  # the law's words (民法典第二百七十八条)
MEASURE_UNIT_ZH = {"heads": "人", "area": "㎡"}
ROUND_KIND_ZH = {"decision": "表决（三上三下）", "satisfaction": "满意度调查"}
SATISFACTION_ZH = {"satisfied": "满意", "basically_satisfied": "基本满意", "dissatisfied": "不满意"}
SATISFACTION_FIGURE_ZH = {"total": "名册合计", "answered": "已作答", **SATISFACTION_ZH, "not_answered": "未作答"}
AFTERCARE_STATUS_ZH = {"pending": "待处理", "in_progress": "处理中", "resolved": "已解决"}
CHECK_PART_ZH = {"agree": CHOICE_ZH["agree"], "participating": FIGURE_ZH["participating"], "all": "总"}

NOTICE_KIND_ZH = {"plan": "方案公示", "result": "结果公告", "answers": "意见答复", "announcement": "公告"}
NOTICE_PHASE_ZH = {"upcoming": "即将公示", "current": "公示中", "ended": "公示期已结束"}
NOTICE_BOARD_SECTION_ZH = {"current": "正在公示", "upcoming": "即将公示", "ended": "往期公示"}  # lists, not one notice
ATTACHMENT_PURPOSE_ZH = {"document": "文件", "site_photo": "现场照片", "scan": "签字表决票", "authorisation": "授权委托书"}
MILESTONE_STEP_ZH = {"application": "申报", "design": "设计委托", "joint_review": "联合审查", "tendering": "招投标",
                     "construction": "施工与监理", "acceptance": "联合验收", "aftercare": "长效管理"}
MILESTONE_FLAG_ZH = {"out_of_order": "顺序异常（前一步骤尚未完成或晚于本步骤）", "late": "逾期（晚于计划日期完成）",
                     "overdue": "逾期未完成（已过计划日期）", "after_deadline": "逾期（超过当年8月底申报期限）"}
FUNDING_STAGE_ZH = {"estimate": "估算", "final": "决算"}
ERA_ZH = {"before_1980s": "80年代及以前", "1980s_1990s": "80-90年代", "1990s_and_later": "90年后"}
ELIGIBILITY_ZH = {"pre_2000": "2000年（含）以前建成，市级财政补助50%",
                  "affordable_post_2000": "2000年以后建成的保障性安居工程，由原责任主体负责改造"}
AREA_SOURCE_ZH = {"register": "不动产登记", "survey": "实测", "contract": "合同"}
HOLDING_STATUS_ZH = {"owned": "已售", "developer_unsold": "开发商未售", "developer_undelivered": "已售未交付"}
PHONE_KIND_ZH = {"mobile": "手机", "landline": "座机"}
ITEM_KIND_ZH = {"required": "必改", "upgrade": "提升"}
# A ballot's answer to one item question (改造项目意向), and not answering it (the item tally).
ITEM_ANSWER_ZH = {"agree": "同意", "disagree": "不同意", "abstain": "弃权", "not_answered": "未作答"}
ITEM_MODE_ZH = {"multi": "多选：勾选您希望实施的项目", "each": "逐项表决：每个项目选择同意、不同意或弃权"}
ITEM_AREA_ZH = {"building": "居民住宅建筑", "public": "小区公共区域"}  # the plan's two parts, 三(二)1 and 2
ROLE_ZH = {"district": "区住建局", "street": "街道办事处", "community": "社区工作者"}
SMS_STATE_ZH = {"pending": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败",
                "skipped": "未发送（已退订）", "expired": "已过期未发送"}
SMS_KIND_ZH = {"reminder": "表决提醒", "result": "结果通知", "otp": "验证码", "confirmation": "表决确认"}
SMS_PROVIDER_STATUS_ZH = {"queued": "排队中", "accepted": "已接受", "sending": "发送中", "sent": "已发出",
                          "delivered": "已送达", "undelivered": "未送达", "failed": "失败", "read": "已读"}


def answer_zh(code: str) -> str:
    """A ledger choice in words, of a decision round (同意…) or a satisfaction survey (满意…)."""
    return CHOICE_ZH.get(code) or SATISFACTION_ZH[code]


def check_title_zh(measure: str, numerator: str, denominator: str) -> str:
    """A check's title from its definition: ('area', 'agree', 'all') → '同意的专有部分面积占总专有部分面积'.

    The same words on the round page, the progress page and API, and the report.
    KeyError for a code outside MEASURE_ZH / CHECK_PART_ZH (rules validate them first).
    """
    label = MEASURE_ZH[measure]
    return f"{CHECK_PART_ZH[numerator]}的{label}占{CHECK_PART_ZH[denominator]}{label}"


def round_action_zh(action: str, stage: int) -> str:
    """A step of the process record in words, with the round's own stage: '开始表决（二上：征集意见）'."""
    return ROUND_ACTION_ZH.get(action, action).replace("{n}", STAGE_NUMERALS.get(stage, ""))


def notice_kind_zh(kind: str) -> str:
    """The notice kind's label; '公示' for a kind this release does not know (never the bare code)."""
    return NOTICE_KIND_ZH.get(kind, "公示")


def tables() -> dict[str, dict]:
    """Every label table above by its name, e.g. {'CHOICE_ZH': {...}, ...}."""
    return {name: value for name, value in globals().items() if name.endswith("_ZH") and isinstance(value, dict)}
