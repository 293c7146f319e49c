"""At most once: a worker killed between sending and recording, and two workers racing (PostgreSQL)."""
import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.rounds_helpers import Clock
from tests.sms.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM
from tests.sms.helpers import messages, open_round, queue_reminders
from voting.sms.outbox import enqueue
from voting.sms.worker import run_batch

ROOT = Path(__file__).resolve().parents[2]


def test_a_worker_killed_mid_batch_then_restarted_sends_nothing_twice_and_loses_nothing(
        app, client, db, clock, fake_twilio, database_url):
    # The subprocess runs on the real clock, so the round and "Twilio" do too.
    clock.now = datetime.now(timezone.utc).replace(microsecond=0)
    opened = open_round(client, clock)
    queue_reminders(client, opened)
    ids = [m.id for m in messages(db)]
    # Twilio accepts two messages, then creates the third but its answer never arrives.
    fake_twilio.script.extend([201, 201, "hang"])
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": app.config["SECRET_KEY"],
           "PUBLIC_BASE_URL": "http://vote.test", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
           "TWILIO_FROM": FROM, "TWILIO_MESSAGING_SERVICE_SID": "", "TWILIO_API_BASE_URL": fake_twilio.url,
           "SMS_LEASE_SECONDS": "30", "SMS_HTTP_TIMEOUT": "20"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "sms", "worker", "--once",
                               "--batch", "10"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        assert fake_twilio.hanging.wait(60), worker.communicate(timeout=5)[0].decode()[-2000:]
    finally:
        worker.kill()  # SIGKILL: no cleanup, exactly like a crash
        worker.wait(10)
    fake_twilio.release.set()

    rows = messages(db)
    assert [r.state for r in rows] == ["sent", "sent", "sending", "pending", "pending"]
    assert rows[2].provider_sid is None and all(r.claimed_by for r in rows[2:])  # leased to the dead worker

    # A new worker before the lease ends touches nothing; after it, it settles everything.
    killed_at = datetime.now(timezone.utc)
    assert run_batch(lambda: killed_at) == {}
    later = killed_at + timedelta(seconds=31)
    assert run_batch(lambda: later) == {"recovered": 1, "sent": 2}
    rows = messages(db)
    assert [r.state for r in rows] == ["sent"] * 5
    assert {str(i): 1 for i in ids} == dict(fake_twilio.sends)  # every message created exactly once
    assert {r.provider_sid for r in rows} == {m["sid"] for m in fake_twilio.messages}


@pytest.mark.postgres
def test_two_workers_in_parallel_never_send_one_message_twice(app, db, fake_twilio):
    from tests.factories import make_estate

    clock = Clock(datetime.now(timezone.utc))
    fake_twilio.clock = clock
    fake_twilio.delay = 0.01  # keep requests in flight so the workers overlap
    estate = make_estate()
    for n in range(40):
        enqueue(key=f"test:{n}", kind="result", to_phone=f"+86138{n:08d}", body=f"【和睦新村】第{n}条",
                display_body=f"【和睦新村】第{n}条", now=clock.now, actor="test", estate_id=estate.id)
    db.session.commit()
    done: dict[str, int] = {}
    errors: list[BaseException] = []

    def work(name: str):
        try:
            with app.app_context():
                total = 0
                while counts := run_batch(clock, worker=name, batch=4):
                    total += sum(counts.values())
                done[name] = total
        except BaseException as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(name,)) for name in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert done["w1"] + done["w2"] == 40 and done["w1"] and done["w2"]
    assert len(fake_twilio.posts) == 40 and set(fake_twilio.sends.values()) == {1}
    assert {m.state for m in messages(db)} == {"sent"}
