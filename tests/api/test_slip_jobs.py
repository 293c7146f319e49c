"""Slips of rounds too large for one request: 202, a job drawn by the slips worker, its progress, the PDF.

SLIPS_INLINE_MAX is lowered to 3 here so the 5-household test round takes the worker's path; the
20,000-household run is bench/bench_slips.py --end-to-end (its figures are in the README).
"""
import io
import json
import time

import pikepdf
import pytest
from sqlalchemy import select

from tests.api.test_links_api import pdftotext
from tests.ballots_helpers import open_round_with_links, second_worker
from tests.factories import page_login, roster_csv
from voting.ballots.slips_worker import run_next
from voting.models.audit import AuditEvent
from voting.models.slip_jobs import SlipJob


@pytest.fixture
def small_inline(app):
    app.config["SLIPS_INLINE_MAX"] = 3
    yield
    app.config["SLIPS_INLINE_MAX"] = 400


def disclosures(db) -> list[tuple[str, dict]]:
    return [(actor, json.loads(data)) for actor, data in db.session.execute(
        select(AuditEvent.actor, AuditEvent.data).where(AuditEvent.action == "links_disclosed").order_by(AuditEvent.id))]


def ask(client, opened, query=""):
    return client.get(f"/api/v1/rounds/{opened.round_id}/slips.pdf{query}", headers=opened.headers)


def test_a_large_round_is_queued_polled_drawn_by_the_worker_and_downloaded(app, client, db, clock, tmp_path,
                                                                          small_inline):
    opened = open_round_with_links(client, clock)
    asked = ask(client, opened)
    assert asked.status_code == 202 and asked.headers["Retry-After"] == "5"
    job = asked.get_json()
    assert asked.headers["Location"] == job["url"] == f"/api/v1/slip-jobs/{job['id']}"
    assert (job["status"], job["total"], job["done"], job["download_url"]) == ("queued", 5, 0, None)
    assert job["status_zh"] == "排队等待生成"
    assert ask(client, opened).get_json()["id"] == job["id"]  # asking again while it waits: the same job
    early = client.get(f"/api/v1/slip-jobs/{job['id']}/slips.pdf", headers=opened.headers)
    assert early.status_code == 409 and "排队" in early.get_json()["message"]

    before = disclosures(db)
    result = app.test_cli_runner().invoke(args=["slips", "worker", "--once"])
    assert result.exit_code == 0 and f"job={job['id']} status=done" in result.output
    # The worker discloses the links before drawing them, in the name of the account that asked.
    (actor, data), = disclosures(db)[len(before):]
    assert actor == "sq" and (data["how"], data["via"], data["count"]) == ("slips", "api", 5)

    polled = client.get(job["url"], headers=opened.headers)
    assert polled.headers["Cache-Control"] == "no-store"
    done = polled.get_json()
    assert (done["status"], done["done"], done["total"]) == ("done", 5, 5) and done["finished_at"]
    pdf = client.get(done["download_url"], headers=opened.headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdftotext(pdf.data, tmp_path)
    assert text.count("表决截止") == 5 and "1-1-101" in text and "2-102" in text
    # At rest the PDF is encrypted: the database holds no live link.
    stored = db.session.get(SlipJob, job["id"])
    db.session.refresh(stored)
    assert b"%PDF" not in stored.pdf and not any(link["token"].encode() in stored.pdf
                                                  for link in opened.links.values())


def test_only_the_account_that_asked_sees_the_job(client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    job = ask(client, opened).get_json()
    other = second_worker(client)  # same community, same jurisdiction: still not theirs
    assert client.get(job["url"], headers=other).status_code == 404
    assert client.get(f"{job['url']}/slips.pdf", headers=other).status_code == 404
    assert client.get(job["url"]).status_code == 401


def test_one_building_within_the_limit_still_comes_at_once(client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    assert ask(client, opened, "?building=2").status_code == 200  # two slips


def test_the_page_sends_the_worker_to_a_progress_page_then_the_download(app, client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    page_login(client, "sq")
    asked = client.get(f"/rounds/{opened.round_id}/slips.pdf")
    assert asked.status_code == 303
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "排队等待生成" in page and "0 / 5" in page and 'http-equiv="refresh"' in page
    job_id = int(asked.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/slip-jobs/{job_id}/slips.pdf").status_code == 409
    assert run_next("test-worker").status == "done"
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "已生成，可以下载" in page and f'href="/slip-jobs/{job_id}/slips.pdf"' in page and "refresh" not in page
    assert client.get(f"/slip-jobs/{job_id}/slips.pdf").data.startswith(b"%PDF")


def test_progress_is_recorded_while_drawing(client, db, clock, small_inline, monkeypatch):
    opened = open_round_with_links(client, clock)
    job_id = ask(client, opened).get_json()["id"]
    seen = []
    monkeypatch.setattr("voting.ballots.slips_worker.PROGRESS_EVERY", 1)
    monkeypatch.setattr("voting.ballots.slips_worker.PART_SLIPS", 2)
    monkeypatch.setattr("voting.ballots.slips_worker.record_progress",
                        lambda job, drawn, worker, now, total=None: seen.append((drawn, total)))
    run_next("test-worker")
    assert seen == [(0, 5), (2, None), (4, None), (5, None)]  # the links disclosed; then after each page of each part


def test_slips_drawn_in_parts_are_joined_in_roll_order(client, db, clock, tmp_path, small_inline, monkeypatch):
    opened = open_round_with_links(client, clock)
    job = ask(client, opened).get_json()
    monkeypatch.setattr("voting.ballots.slips_worker.PART_SLIPS", 2)  # three parts of one page each
    run_next("test-worker")
    pdf = client.get(f"{job['url']}/slips.pdf", headers=opened.headers).data
    with pikepdf.open(io.BytesIO(pdf)) as document:
        assert len(document.pages) == 3 and "表决二维码" in str(document.docinfo["/Title"])
    text = pdftotext(pdf, tmp_path)
    order = [text.index(label) for label in ("1-1-101", "1-1-102", "1-2-201", "2-101", "2-102")]
    assert order == sorted(order)


def test_a_job_whose_worker_died_is_taken_over_after_its_lease(client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    job_id = ask(client, opened).get_json()["id"]
    job = db.session.get(SlipJob, job_id)
    job.status, job.claimed_by, job.lease_until = "running", "dead-worker", clock.now.replace(year=2020)
    db.session.commit()
    finished = run_next("second-worker")
    assert finished.id == job_id and finished.status == "done" and finished.claimed_by == "second-worker"


def test_a_running_job_with_a_live_lease_is_left_alone(client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    job_id = ask(client, opened).get_json()["id"]
    job = db.session.get(SlipJob, job_id)
    job.status, job.claimed_by, job.lease_until = "running", "busy-worker", clock.now.replace(year=2099)
    db.session.commit()
    assert run_next("second-worker") is None


def test_a_round_closed_before_drawing_fails_the_job_with_a_reason(client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    job = ask(client, opened).get_json()
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers).status_code == 200
    assert run_next("test-worker").status == "failed"
    failed = client.get(f"{job['url']}/slips.pdf", headers=opened.headers)
    assert failed.status_code == 409 and "不在表决中" in failed.get_json()["message"]


def test_a_closed_round_queues_nothing(client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    clock.advance(days=8)
    assert client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers).status_code == 200
    assert ask(client, opened).status_code == 409 and db.session.scalar(select(SlipJob.id)) is None


def test_a_finished_pdf_is_dropped_after_the_keeping_period(client, db, clock, small_inline):
    opened = open_round_with_links(client, clock)
    job = ask(client, opened).get_json()
    run_next("test-worker")
    clock.advance(hours=25)
    assert run_next("test-worker") is None  # nothing queued; the sweep ran
    expired = client.get(job["url"], headers=opened.headers).get_json()
    assert expired["status"] == "expired" and expired["download_url"] is None
    gone = client.get(f"{job['url']}/slips.pdf", headers=opened.headers)
    assert gone.status_code == 410 and "重新下载" in gone.get_json()["message"]
    assert db.session.get(SlipJob, job["id"]).pdf is None


def test_past_the_default_limit_the_request_answers_202_in_seconds_without_drawing(client, db, clock):
    households = 401  # SLIPS_INLINE_MAX is 400
    rows = [f"{i // 60 + 1},{i // 30 % 2 + 1},{101 + i % 30},60.00,register,K{i},业主{i},,owned"
            for i in range(households)]
    opened = open_round_with_links(client, clock, roster=roster_csv(rows))
    started = time.perf_counter()
    asked = ask(client, opened)
    assert asked.status_code == 202 and asked.get_json()["total"] == households
    assert time.perf_counter() - started < 10  # nothing drawn in the request: ~0.1 s, however large the round
