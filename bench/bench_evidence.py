"""Evidence bundle benchmark: time to build (and to verify) the bundle of a 10,000-household round.

Builds an estate of N households (default 10,000) with owners, names and phones, freezes
the roll through the service's own freeze_roll, bulk-inserts ~1.5 ballots per voter with
their ballot_cast audit events (a real hash chain), a notice with a 300 kB attachment,
and closes the round with the service's live tally. Then times, best of R runs:
  build   voting.evidence.evidence_bundle.build_bundle (reports, CSVs, audit, sign, zip)
  verify  voting.evidence.bundle_verify.verify_bundle (hashes, signature, chain, recount)
Target: build < 10 s at 10,000 households.

  .venv/bin/python bench/bench_evidence.py --db sqlite
  .venv/bin/python bench/bench_evidence.py --db postgres --households 10000
(PostgreSQL: BENCH_DATABASE_URL, as for bench_tally.py.)
"""
import argparse
import hashlib
import json
import random
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_tally import best_of, chunked, fresh_database  # noqa: E402
from sqlalchemy import insert, select, update  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞"


def build(db, households: int, seed: int = 11):
    """Bulk-insert the estate and its roll, freeze it, cast ballots with audit events, close the round."""
    from voting.audit.chain import GENESIS, event_hash
    from voting.ballots.casting import CHOICE_BITS, ballot_event_data
    from voting.models.attachments import Attachment
    from voting.models.audit import AuditChain, AuditEvent
    from voting.models.ballots import Ballot
    from voting.models.estates import Building, Community, Estate, Household, Street, Voter
    from voting.models.notices import Notice
    from voting.models.proposals import Proposal
    from voting.models.rounds import RollEntry, Round, RoundVoter
    from voting.rounds.frozen_roll import freeze_roll
    from voting.rounds.round_tally import live_tally

    rng = random.Random(seed)
    t0 = datetime(2026, 9, 1, 1, tzinfo=timezone.utc)
    street = Street(name="基准街道")
    community = Community(street=street, name="基准社区")
    estate = Estate(community=community, name="基准小区", built_year=1990)
    db.session.add_all([street, community, estate])
    db.session.flush()
    chain = f"estate:{estate.id}"
    proposal = Proposal(estate_id=estate.id)
    db.session.add(proposal)
    db.session.flush()
    round_ = Round(estate_id=estate.id, proposal_id=proposal.id, stage=1, title="第一次征询：改造意愿",
                   rule="double-two-thirds", ballot_policy="first", opens_at=t0, closes_at=t0 + timedelta(days=10),
                   status="open")
    buildings = [Building(estate_id=estate.id, name=str(b)) for b in range(1, households // 60 + 2)]
    db.session.add_all([round_, *buildings])
    db.session.flush()
    conn = db.session.connection()
    owners = households * 9 // 10  # every tenth flat belongs to an owner of another one
    conn.execute(insert(Voter.__table__), [
        {"id": v + 1, "estate_id": estate.id, "owner_key": f"HASH-{v:08d}-{rng.getrandbits(32):08x}",
         "name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), "phones": f"138{v:08d}"}
        for v in range(owners)])
    for batch in chunked({"id": i + 1, "estate_id": estate.id, "building_id": buildings[i // 60].id,
                          "unit": str(i % 60 // 20 + 1), "room": str(101 + i % 20), "status": "owned",
                          "area": Decimal(rng.randint(3000, 15000)) / 100, "area_source": "register",
                          "voter_id": (i if i < owners else rng.randrange(owners)) + 1}
                         for i in range(households)):
        conn.execute(insert(Household.__table__), batch)
    freeze_roll(round_)  # the service's own snapshot: RollEntry, RoundVoter, totals, roll hash

    entries = dict(db.session.execute(select(RollEntry.household_id, RollEntry.voter_key)
                                      .where(RollEntry.round_id == round_.id)).all())
    ballots, seqs, events, prev = [], {}, [], GENESIS
    at = t0
    for n in range(households * 3 // 2):
        household = rng.randrange(households) + 1
        key = entries[household]
        seqs[key] = seqs.get(key, 0) + 1
        at += timedelta(seconds=rng.randint(1, 40))
        receipt = f"{n:04d}-{rng.getrandbits(20):05X}"[-14:]
        choice = rng.choice(("agree", "agree", "agree", "disagree", "abstain"))
        channel = rng.choice(("online", "online", "paper", "proxy"))
        ballots.append({"round_id": round_.id, "household_id": household, "voter_key": key, "seq": seqs[key],
                        "choice": choice, "channel": channel, "cast_at": at,
                        "receipt": receipt, "counted_at_cast": seqs[key] == 1})
        fields = {"chain": chain, "seq": n + 1, "at": at.isoformat(), "actor": "resident", "action": "ballot_cast",
                  "subject": f"round:{round_.id}",
                  "data": ballot_event_data(household, key, seqs[key], channel, receipt, choice),
                  "prev_hash": prev}
        prev = event_hash(fields)
        events.append({**fields, "at": at, "data": json.dumps(fields["data"], ensure_ascii=False, sort_keys=True),
                       "hash": prev})
    for batch in chunked(ballots):
        conn.execute(insert(Ballot.__table__), batch)
    conn.execute(insert(AuditChain.__table__), [{"chain": chain, "length": len(events), "head_hash": prev}])
    for batch in chunked(events):
        conn.execute(insert(AuditEvent.__table__), batch)
    voter_ids = dict(db.session.execute(select(RoundVoter.voter_key, RoundVoter.id)
                                        .where(RoundVoter.round_id == round_.id)).all())
    # What casting keeps on the voter's row for conflict detection (see voting/ballots/casting.py).
    marks: dict[str, dict] = {}
    for b in ballots:
        mark = marks.setdefault(b["voter_key"], {"id": voter_ids[b["voter_key"]], "ballots": 0,
                                                 "first_household_id": b["household_id"], "other_unit": False,
                                                 "choices": 0})
        mark["ballots"] += 1
        mark["other_unit"] |= b["household_id"] != mark["first_household_id"]
        mark["choices"] |= CHOICE_BITS[b["choice"]]
    db.session.execute(update(RoundVoter), list(marks.values()))
    notice = Notice(estate_id=estate.id, round_id=round_.id, kind="plan", title="改造意愿征询公示", body="详见附件",
                    starts_on=date(2026, 9, 1), working_days=5, ends_on=date(2026, 9, 8), published_at=t0)
    db.session.add(notice)
    db.session.flush()
    blob = rng.randbytes(300_000)
    db.session.add(Attachment(estate_id=estate.id, owner_type="notice", owner_id=notice.id, filename="方案.pdf",
                              content_type="application/pdf", size=len(blob),
                              sha256=hashlib.sha256(blob).hexdigest(), data=blob))
    result = live_tally(round_)
    round_.status, round_.passed = "closed", result["passed"]
    round_.result_json = json.dumps(result, ensure_ascii=False, sort_keys=True)
    db.session.commit()
    return round_.id, len(ballots), len(voter_ids), len(events)


def run(kind: str, households: int, runs: int):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from flask_migrate import upgrade

    from voting.app import create_app
    from voting.evidence.bundle_verify import verify_bundle
    from voting.evidence.evidence_bundle import build_bundle
    from voting.extensions import db
    from voting.models.rounds import Round

    url, drop = fresh_database(kind)
    key = Ed25519PrivateKey.generate()
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only-not-secret"})
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            round_id, n_ballots, n_voters, n_events = build(db, households)
            built = time.perf_counter() - start
            now = datetime(2026, 9, 12, 2, tzinfo=timezone.utc)
            bundles = []
            build_time = best_of(runs, lambda: bundles.append(build_bundle(db.session.get(Round, round_id), now, key)))
            data = bundles[-1].data
            problems = verify_bundle(data, key.public_key())
            verify_time = best_of(runs, lambda: verify_bundle(data, key.public_key()))
            db.session.remove()
            db.engine.dispose()
        print(f"{kind:8} households={households:,} voters={n_voters:,} ballots={n_ballots:,} "
              f"audit events={n_events:,} (built in {built:.1f} s)")
        print(f"  build_bundle  : {build_time:6.2f} s   bundle {len(data) / 1e6:.1f} MB   target < 10 s")
        print(f"  verify_bundle : {verify_time:6.2f} s   {'verifies' if not problems else problems[:3]}")
    finally:
        drop()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        run(kind, args.households, args.runs)


if __name__ == "__main__":
    main()
