"""Tally benchmark: the service's live tally against a plain SQL GROUP BY, in one run.

Builds an estate of N households (default 100,000) with an open round and about 2
ballots per voter, then times, best of R runs each:
  floor   SELECT choice, COUNT(*) FROM ballots WHERE round_id = ? GROUP BY choice
  service voting.rounds.round_tally.live_tally(round)  (SQL aggregation + the tally module)
and prints both and their ratio. Target: ratio ≤ 5 on SQLite and PostgreSQL at 100,000
households; service < 2 s at 1,000,000 households on PostgreSQL.

  .venv/bin/python bench/bench_tally.py --db sqlite --households 100000
  .venv/bin/python bench/bench_tally.py --db postgres --households 1000000
(PostgreSQL: BENCH_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/postgres;
a fresh database is created next to it and dropped afterwards.)
"""
import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402

from bench.scratch_db import scratch_postgres  # noqa: E402

CHUNK = 20_000


def fresh_database(kind: str) -> tuple[str, callable]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    url, _, drop = scratch_postgres("bench_tally")
    return url, drop


def chunked(rows, size=CHUNK):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build(db, households: int, seed: int = 7):
    """Bulk-insert an estate, its roll frozen into an open round, and ~2 ballots per voter."""
    from voting.ballots.casting import CHOICE_BITS
    from voting.models.ballots import Ballot
    from voting.models.estates import Building, Community, Estate, Household, Street
    from voting.models.proposals import Proposal
    from voting.models.rounds import RollEntry, Round, RoundVoter

    rng = random.Random(seed)
    t0 = datetime(2026, 9, 1, tzinfo=timezone.utc)
    street = Street(name="基准街道")
    community = Community(street=street, name="基准社区")
    estate = Estate(community=community, name="基准小区", built_year=1990)
    db.session.add_all([street, community, estate])
    db.session.flush()
    proposal = Proposal(estate_id=estate.id)
    db.session.add(proposal)
    db.session.flush()
    round_ = Round(estate_id=estate.id, proposal_id=proposal.id, stage=1, title="基准轮次",
                   rule="double-two-thirds", ballot_policy="first", opens_at=t0, closes_at=t0 + timedelta(days=30),
                   status="open")
    db.session.add(round_)
    buildings = [Building(estate_id=estate.id, name=str(b)) for b in range(1, households // 500 + 2)]
    db.session.add_all(buildings)
    db.session.flush()

    areas = [Decimal(rng.randint(3000, 15000)) / 100 for _ in range(households)]  # m², 2 places
    owners = []
    for i in range(households):
        if i % 50 == 49:
            owners.append("developer")
        elif i % 10 == 9:
            owners.append(f"owner:V{(i - 1):07d}")  # every tenth flat belongs to the previous owner
        else:
            owners.append(f"owner:V{i:07d}")
    conn = db.session.connection()

    def hh_rows():
        for i in range(households):
            yield {"id": i + 1, "estate_id": estate.id, "building_id": buildings[i // 500].id, "unit": "1",
                   "room": str(i), "area": areas[i], "area_source": "register",
                   "status": "developer_unsold" if owners[i] == "developer" else "owned"}

    for batch in chunked(hh_rows()):
        conn.execute(insert(Household.__table__), batch)
    for batch in chunked({"round_id": round_.id, "household_id": i + 1, "building": str(i // 500 + 1), "unit": "1",
                          "room": str(i), "area": areas[i], "area_source": "register",
                          "status": "developer_unsold" if owners[i] == "developer" else "owned",
                          "owner_key": "", "owner_name": "", "phones": "", "voter_key": owners[i]}
                         for i in range(households)):
        conn.execute(insert(RollEntry.__table__), batch)
    voter_units: dict[str, list[int]] = {}
    voter_area: dict[str, Decimal] = {}
    for i, key in enumerate(owners):
        voter_units.setdefault(key, []).append(i + 1)
        voter_area[key] = voter_area.get(key, Decimal("0.00")) + areas[i]
    ballots, voters = [], []
    serial = 0
    for key, units in voter_units.items():
        n = rng.choice((1, 2, 3))
        cast = [(rng.choice(units), rng.choice(("agree", "agree", "disagree", "abstain"))) for _ in range(n)]
        # What casting keeps on the voter's row (see voting/ballots/casting.py).
        voters.append({"round_id": round_.id, "voter_key": key, "ballots": n, "area": voter_area[key],
                       "units": len(units), "first_household_id": cast[0][0],
                       "other_unit": any(h != cast[0][0] for h, _ in cast),
                       "choices": sum({CHOICE_BITS[c] for _, c in cast})})
        for seq, (household, choice) in enumerate(cast, start=1):
            serial += 1
            ballots.append({"round_id": round_.id, "household_id": household, "voter_key": key, "seq": seq,
                            "choice": choice, "channel": "online",
                            "cast_at": t0 + timedelta(seconds=serial), "receipt": f"R{serial:010d}",
                            "counted_at_cast": seq == 1})
    for batch in chunked(voters):
        conn.execute(insert(RoundVoter.__table__), batch)
    for batch in chunked(ballots):
        conn.execute(insert(Ballot.__table__), batch)
    round_.total_heads = len(voter_units)
    round_.total_area = sum(areas, Decimal("0.00"))
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.execute(text("VACUUM ANALYZE"))
    return round_.id, len(ballots), len(voter_units)


def best_of(runs: int, fn) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="print the query plans (PostgreSQL)")
    args = parser.parse_args()
    for kind in (("sqlite", "postgres") if args.db == "both" else (args.db,)):
        run(kind, args.households, args.runs, args.explain)


def explain(db, round_):
    """EXPLAIN ANALYZE of the service's statements, by capturing what they execute."""
    from sqlalchemy import event

    from voting.rounds.round_tally import live_tally

    statements = []
    capture = lambda conn, cursor, statement, params, context, many: statements.append((statement, params))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", capture)
    live_tally(round_)
    event.remove(db.engine, "before_cursor_execute", capture)
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, params in statements:
            cursor.execute("EXPLAIN ANALYZE " + statement, params)
            print("\n".join(row[0] for row in cursor.fetchall()), end="\n\n")
    finally:
        raw.close()


def run(kind: str, households: int, runs: int, show_plans: bool = False):
    from flask_migrate import upgrade

    from voting.app import create_app
    from voting.extensions import db
    from voting.models.rounds import Round
    from voting.rounds.round_tally import live_tally
    from voting.rounds.sql_tally import aggregate_counts, conflicts

    url, drop = fresh_database(kind)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-only-not-secret"})
        with app.app_context():
            upgrade()
            start = time.perf_counter()
            round_id, n_ballots, n_voters = build(db, households)
            built = time.perf_counter() - start
            round_ = db.session.get(Round, round_id)
            floor_sql = text("SELECT choice, COUNT(*) FROM ballots WHERE round_id = :r GROUP BY choice")
            floor = best_of(runs, lambda: db.session.execute(floor_sql, {"r": round_id}).all())
            service = best_of(runs, lambda: live_tally(round_))
            parts = {"aggregate": best_of(runs, lambda: aggregate_counts(round_)),
                     "conflicts": best_of(runs, lambda: conflicts(round_))}
            result = live_tally(round_)
            if show_plans and kind == "postgres":
                explain(db, round_)
            db.session.remove()
            db.engine.dispose()
        print(f"{kind:8} households={households:,} voters={n_voters:,} ballots={n_ballots:,} (built in {built:.1f} s)")
        print(f"  floor   GROUP BY over ballots : {floor * 1000:8.1f} ms")
        print(f"  service live_tally             : {service * 1000:8.1f} ms   ratio {service / floor:.2f}x"
              f"   passed={result['passed']} agree={result['agree']['heads']}")
        print("          of which " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in parts.items()))
    finally:
        drop()


if __name__ == "__main__":
    main()
