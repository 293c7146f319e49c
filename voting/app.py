"""Application factory: reads as the table of contents of the service."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from notices.api import blp as notices_api
from notices.board import bp as notice_board
from notices.pages import bp as notice_pages
from voting.rounds.notice_pages import bp as round_notice_pages

from . import models  # noqa: F401  (every table known to the metadata and to Alembic)
from . import extensions as ext
from .accounts import auth  # noqa: F401  (flask-login user loader)
from .accounts.api import blp as auth_api
from .accounts.cli import users_cli
from .accounts.pages import bp as account_pages
from .accounts.staff_api import blp as staff_accounts_api
from .accounts.staff_pages import bp as staff_pages
from .api_docs import ErrorSchema, SharedResponses
from .audit.api import blp as audit_api
from .audit.cli import audit_cli
from .ballots.api import ballots_blp as ballots_api, links_blp as links_api
from .ballots.link_api import blp as link_view_api
from .ballots.link_pages import bp as link_pages
from .ballots.paper_api import blp as paper_api
from .ballots.progress_api import blp as progress_api
from .ballots.receipt_pages import bp as resident_receipt_pages
from .ballots.reissue_api import blp as reissue_api
from .ballots.resident_pages import bp as resident_ballot_pages
from .ballots.slip_job_pages import bp as slip_job_pages
from .ballots.slip_jobs_api import blp as slip_jobs_api
from .ballots.slips_worker import slips_cli
from .ballots.staff_pages import bp as ballot_staff_pages
from .calendar.calendar_api import blp as calendar_api
from .calendar.pages import bp as calendar_pages
from .china_time import format_cst
from .config import load_config
from .db_liveness import configure_liveness
from .demo import demo_cli
from .errors import register_errorhandlers
from .estates.api import blp as estates_api
from .estates.api import roster_blp as roster_api
from .estates.pages import bp as estate_pages
from .evidence.api import blp as evidence_api
from .evidence.cli import evidence_cli
from .evidence.pages import bp as evidence_pages
from .input_text import accept_relayed_text, register_input_text_guard
from .labels_zh import round_action_zh, tables as label_tables
from .proposals.api import blp as proposals_api
from .proposals.pages import bp as proposal_pages
from .record_ids import RecordIdConverter
from .rounds.api import blp as rounds_api
from .rounds.cli import rounds_cli
from .rounds.pages import bp as round_pages
from .security_headers import register_security_headers
from .sms.api import blp as sms_api
from .sms.cli import sms_cli
from .sms.pages import bp as sms_pages
from .sms.resident_codes import api_blp as sms_codes_api, bp as sms_code_pages
from .sms.webhooks import bp as sms_webhooks
from .sqlite_pragmas import configure_sqlite
from .tally.cli import tally_command

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(app.instance_path, config))
    trust_proxies(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_input_text_guard(app)
    register_security_headers(app)
    register_commands(app)
    register_template_helpers(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Read the client's address and scheme from the last TRUSTED_PROXIES X-Forwarded-* hops.

    Behind a load balancer every request comes from its address: without this, every rate
    limit and wrong-answer budget keyed by address would be one budget for the whole city.
    Only as many hops as configured are believed, so a client cannot forge its address.
    """
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_extensions(app: Flask) -> None:
    ext.db.init_app(app)
    configure_sqlite(app)
    configure_liveness(app)
    ext.migrate.init_app(app, ext.db, directory=str(ROOT / "migrations"), render_as_batch=True)
    ext.csrf.init_app(app)
    ext.login_manager.init_app(app)
    ext.login_manager.login_view = "account_pages.login"
    ext.login_manager.login_message = "请先登录"
    ext.limiter.init_app(app)
    ext.api.ERROR_SCHEMA = ErrorSchema  # the envelope as voting.errors writes it
    ext.api.init_app(app, spec_kwargs={"extra_plugins": [SharedResponses(app)]})
    ext.api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RecordIdConverter  # before any rule: ids past the database's range are 404
    for blp in (auth_api, estates_api, roster_api, proposals_api, rounds_api, notices_api, calendar_api, links_api,
                ballots_api, link_view_api, paper_api, progress_api, reissue_api, slip_jobs_api, sms_api, sms_codes_api,
                audit_api, staff_accounts_api):
        ext.api.register_blueprint(blp)
        ext.csrf.exempt(blp)  # bearer tokens, no cookies: CSRF does not apply
    app.register_blueprint(account_pages)
    app.register_blueprint(staff_pages)
    app.register_blueprint(estate_pages)
    app.register_blueprint(proposal_pages)
    app.register_blueprint(round_pages)
    app.register_blueprint(link_pages)
    app.register_blueprint(slip_job_pages)
    app.register_blueprint(resident_ballot_pages)  # CSRF stays on: the resident's form uses the session cookie
    app.register_blueprint(resident_receipt_pages)
    app.register_blueprint(ballot_staff_pages)
    app.register_blueprint(notice_pages)
    app.register_blueprint(calendar_pages)
    app.register_blueprint(round_notice_pages)
    app.register_blueprint(notice_board)
    app.register_blueprint(sms_pages)
    app.register_blueprint(sms_code_pages)  # CSRF stays on, as on the ballot page it extends
    app.register_blueprint(sms_webhooks)
    ext.csrf.exempt(sms_webhooks)  # Twilio signs its requests (X-Twilio-Signature); it has no CSRF token
    accept_relayed_text(app, sms_webhooks.name)  # residents' replies as they typed them
    register_evidence(app)


def register_evidence(app: Flask) -> None:
    """Reports, evidence bundles and the street dashboard (voting/evidence)."""
    ext.api.register_blueprint(evidence_api)
    ext.csrf.exempt(evidence_api)  # bearer tokens, no cookies: CSRF does not apply
    app.register_blueprint(evidence_pages)


def register_commands(app: Flask) -> None:
    app.cli.add_command(tally_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(rounds_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(sms_cli)
    app.cli.add_command(slips_cli)
    app.cli.add_command(evidence_cli)


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["cst"] = format_cst
    app.jinja_env.globals.update(label_tables())  # CHOICE_ZH, NOTICE_KIND_ZH, …: one table per concept
    app.jinja_env.globals["round_action_zh"] = round_action_zh
