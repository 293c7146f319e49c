"""Every rule of the app's url_map, classified and made callable with real ids.

The security tests are generated from here, so an endpoint added later is tested without
anyone remembering to: whatever is not in PUBLIC below is staff-only, and must refuse
anonymous callers and staff of other places.
"""
from dataclasses import dataclass

from werkzeug.routing import AnyConverter, Rule

# Endpoints anyone may call, and why. Everything else is staff-only.
PUBLIC = {
    "static": "CSS and images of the pages",
    "estate_pages.home": "redirects to the estate list (which asks for a login)",
    "account_pages.login": "the staff login form",
    "auth.Token": "API login: username and password for a bearer token",
    "api-docs.openapi_json": "the API's OpenAPI document",
    "board.estate_board": "public notice board of an estate (公示栏)",
    "board.notice_page": "one public notice",
    "board.notice_attachment": "a public notice's attachment",
    "board.notice_thumbnail": "its thumbnail",
    "board.project_photo": "a site photo of the works that staff published (404 unless published)",
    "board.project_photo_thumbnail": "its thumbnail",
    "resident_ballot.vote_page": "resident ballot page: the link token is the credential",
    "resident_ballot.vote_confirm": "resident ballot: confirmation step (token, CSRF)",
    "resident_ballot.vote_submit": "resident ballot: casting (token, CSRF)",
    "resident_ballot.vote_receipt": "resident ballot: receipt page (token)",
    "resident_ballot.objection_submit": "resident objects to the result from the link (token, CSRF)",
    "resident_ballot.survey_submit": "resident answers the satisfaction survey on the link (token, CSRF)",
    "resident_ballot.aftercare_submit": "resident reports an after-care problem from the link (token, CSRF)",
    "resident_receipts.receipt_lookup": "anyone looks up a receipt code (the code is the owner's secret; CSRF)",
    "links_public.LinkView": "what a link shows, through the API (token)",
    "links_public.Objections": "an objection through the API (token)",
    "links_public.SurveyAnswers": "a satisfaction answer through the API (token)",
    "links_public.AftercareReports": "an after-care problem through the API (token)",
    "sms_codes.request_code_page": "resident asks for a one-time code (token, CSRF)",
    "sms_codes_api.CodeRequest": "the same through the API (token)",
    "ballots.Ballots": "online ballot through the API (token)",
    "ballots.BallotReceipt": "what a receipt recorded and whether it counts (the code is the owner's secret)",
    "sms_webhooks.status_callback": "Twilio delivery status (X-Twilio-Signature checked)",
    "sms_webhooks.inbound": "Twilio inbound replies, STOP (X-Twilio-Signature checked)",
    "evidence.PublicKey": "the evidence bundles' Ed25519 public key",
    "audit.EstateCheckpoint": "an estate chain's latest signed checkpoint (length, head hash, signature)",
}
# Staff endpoints that only the district may use: others get 403, not 404 (nothing is hidden).
DISTRICT_ONLY = {"calendar_pages.calendar_page", "calendar_pages.calendar_load", "calendar_api.CalendarYearItem",
                 "staff_accounts.Streets", "staff_pages.street_create", "staff_pages.community_create"}
# Staff endpoints without ids that answer within the caller's own scope (lists, creation, own
# account): staff of another place may use them, and see only their own.
OWN_SCOPE = {
    "estate_pages.estate_list", "estate_pages.estate_create", "estates.Estates", "proposals.Catalogue",
    "calendar_api.WorkingDays", "calendar_api.CalendarYears", "evidence.Streets", "account_pages.logout",
    "staff_pages.own_account", "staff_pages.own_password", "staff_pages.staff_list", "staff_pages.staff_create",
    "roster.RosterTemplate", "estate_pages.roster_template",  # the blank roster template: nobody's data
    "staff_pages.own_profile", "staff_accounts.Accounts", "staff_accounts.OwnAccount",
}
# Street overview: a street office is sent on to its own street, a community worker gets 404.
ROLE_ROUTED = {"evidence_pages.street_index"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Call:
    rule: Rule
    method: str
    path: str

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    @property
    def is_api(self) -> bool:
        return self.rule.rule.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.endpoint})"


def staff_rules(app) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in PUBLIC]


def _values(rule: Rule, ids: dict) -> list[dict]:
    """One set of URL values per choice of the rule's `any(…)` parts; real ids for the rest."""
    variants = [{}]
    for name in sorted(rule.arguments):
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            choices = sorted(converter.items)
        elif name == "attachment_id":
            owner = next((n for n in ids["attachment_id"] if n in rule.arguments), None)
            if owner is None:
                raise LookupError(f"{rule.rule}: attachment_id of an owner the data set does not know")
            choices = [ids["attachment_id"][owner]]
        elif name == "filename":
            choices = ["ballot.css"]
        elif name in ids:
            choices = [ids[name]]
        else:
            raise LookupError(f"{rule.rule}: no real value for URL parameter {name!r}; "
                              f"add one to tests/full_dataset.py (Dataset.ids)")
        variants = [dict(v, **{name: choice}) for v in variants for choice in choices]
    return variants


def calls(rules, ids: dict, methods=METHODS) -> list[Call]:
    """Every (method, concrete URL) of `rules` with real ids; LookupError names a parameter we cannot fill."""
    found = []
    for rule in sorted(rules, key=lambda r: r.rule):
        for values in _values(rule, ids):
            path = rule.build(values, append_unknown=False)[1]
            found += [Call(rule, method, path) for method in methods if method in rule.methods]
    return found
