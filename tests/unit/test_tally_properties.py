"""Property tests: tally() against an independent brute-force oracle, and invariants.

The oracle shares no code with the module: persons are tuples, areas stay
Decimal, ballots are sorted globally and read front-to-back ("first") or
back-to-front ("last"), and thresholds are hard-coded cross-multiplications.
"""
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from voting.tally.tally import CastBallot, RollUnit, ballot_statuses, gap_to_pass, tally

PRESET_IDS = ("double-two-thirds", "civil-code-278-major", "civil-code-278-ordinary")
DEVELOPER_STATUSES = ("developer_unsold", "developer_undelivered")
BASE = datetime(2026, 3, 2, 9, 0, tzinfo=timezone(timedelta(hours=8)))
# Several zones for the same instants: ordering must be by instant, not wall clock.
ZONES = (timezone.utc, timezone(timedelta(hours=8)), ZoneInfo("Asia/Shanghai"))
FAST = settings(max_examples=200, deadline=None)


@st.composite
def rolls(draw, min_size=0):
    n = draw(st.integers(min_size, 10))
    units = []
    for i in range(n):
        # Few distinct areas and a few zero areas make exact ties likely.
        hundredths = draw(st.one_of(st.integers(0, 20000), st.sampled_from([0, 5000, 10000, 7500])))
        status = draw(st.sampled_from(("owned",) * 4 + DEVELOPER_STATUSES))
        owner = draw(st.sampled_from(("", "", "", "A", "B", "C")))
        units.append(RollUnit(i, f"{i // 4 + 1}-1-{i % 4 + 101}", Decimal(hundredths).scaleb(-2),
                              owner, status))
    return units


@st.composite
def ballots_for(draw, units, max_size=15):
    if not units:
        return []
    ballots = []
    for _ in range(draw(st.integers(0, max_size))):
        at = BASE + timedelta(minutes=draw(st.integers(0, 4)))  # small range: ties in time
        ballots.append(CastBallot(
            household_id=draw(st.sampled_from(units)).household_id,
            choice=draw(st.sampled_from(("agree", "disagree", "abstain"))),
            cast_at=at.astimezone(draw(st.sampled_from(ZONES))),
            channel=draw(st.sampled_from(("online", "paper", "proxy"))),
            ballot_id=f"R{draw(st.integers(0, 6))}",  # repeats allowed: ties beyond ids
        ))
    return ballots


@st.composite
def votes(draw, min_units=0):
    units = draw(rolls(min_units))
    return units, draw(ballots_for(units))


def person(u):
    if u.status in DEVELOPER_STATUSES:
        return ("the developer",)
    if u.owner_key != "":
        return ("owner", u.owner_key)
    return ("flat", u.household_id)


def oracle(units, ballots, rule_id, policy):
    """Brute force: per-check pass/fail and the (heads, area) figures."""
    person_of = {}
    area = {}
    for u in units:
        p = person(u)
        person_of[u.household_id] = p
        area[p] = area.get(p, Decimal(0)) + u.area
    ordered = sorted(ballots, key=lambda b: (b.cast_at, str(b.ballot_id), str(b.household_id),
                                             b.choice, b.channel))
    if policy == "last":
        ordered.reverse()
    choice_of = {}
    for b in ordered:
        if person_of[b.household_id] not in choice_of:
            choice_of[person_of[b.household_id]] = b.choice

    def count(choices):
        heads, total = 0, Decimal(0)
        for p in area:
            if choice_of.get(p) in choices:
                heads += 1
                total += area[p]
        return heads, total

    all_ = (len(area), sum(area.values(), Decimal(0)))
    agree = count({"agree"})
    part = count({"agree", "disagree", "abstain"})

    def at_least(n, d, num, den):  # n/d ≥ num/den, and d > 0
        return d > 0 and n * den >= num * d

    def more_than(n, d, num, den):
        return d > 0 and n * den > num * d

    if rule_id == "double-two-thirds":
        passed = [at_least(agree[1], all_[1], 2, 3), at_least(agree[0], all_[0], 2, 3)]
    else:
        passed = [at_least(part[1], all_[1], 2, 3), at_least(part[0], all_[0], 2, 3)]
        if rule_id == "civil-code-278-major":
            passed += [at_least(agree[1], part[1], 3, 4), at_least(agree[0], part[0], 3, 4)]
        else:
            passed += [more_than(agree[1], part[1], 1, 2), more_than(agree[0], part[0], 1, 2)]
    return {"checks": passed, "all": all_, "agree": agree, "participating": part,
            "disagree": count({"disagree"}), "abstain": count({"abstain"})}


def figures(result, name):
    return result[name]["heads"], Decimal(result[name]["area"])


@FAST
@given(votes(), st.sampled_from(PRESET_IDS), st.sampled_from(("first", "last")))
def test_tally_agrees_with_the_brute_force_oracle(vote, rule_id, policy):
    units, ballots = vote
    result = tally(units, ballots, rule_id, policy)
    expected = oracle(units, ballots, rule_id, policy)
    assert [c["passed"] for c in result["checks"]] == expected["checks"]
    assert result["passed"] == all(expected["checks"])
    assert figures(result, "total") == expected["all"]
    for name in ("agree", "disagree", "abstain", "participating"):
        assert figures(result, name) == expected[name]
    not_voted = figures(result, "not_voted")
    assert not_voted == (expected["all"][0] - expected["participating"][0],
                         expected["all"][1] - expected["participating"][1])


@FAST
@given(votes(), st.sampled_from(PRESET_IDS), st.sampled_from(("first", "last")))
def test_margin_is_non_negative_exactly_when_a_check_passes(vote, rule_id, policy):
    for check in tally(*vote, rule_id, policy)["checks"]:
        assert (Decimal(check["margin"]) >= 0) == check["passed"]
        if check["measure"] == "area":
            assert len(check["margin"].split(".")[1]) == 2


@FAST
@given(votes(), st.randoms(use_true_random=False), st.sampled_from(PRESET_IDS),
       st.sampled_from(("first", "last")))
def test_result_depends_only_on_the_set_of_units_and_ballots(vote, rnd, rule_id, policy):
    units, ballots = vote
    shuffled_units, shuffled_ballots = list(units), list(ballots)
    rnd.shuffle(shuffled_units)
    rnd.shuffle(shuffled_ballots)
    assert tally(units, ballots, rule_id, policy) == tally(shuffled_units, shuffled_ballots, rule_id, policy)


@FAST
@given(votes(), st.randoms(use_true_random=False), st.sampled_from(("first", "last")))
def test_ballot_statuses_mark_one_counted_ballot_per_voter_whatever_the_order(vote, rnd, policy):
    units, ballots = vote
    unique = [CastBallot(b.household_id, b.choice, b.cast_at, b.channel, f"{b.ballot_id}#{i}")
              for i, b in enumerate(ballots)]
    statuses = ballot_statuses(units, unique, policy)
    shuffled = list(unique)
    rnd.shuffle(shuffled)
    assert ballot_statuses(units, shuffled, policy) == statuses
    voters = {person(u) for u in units for b in unique if b.household_id == u.household_id}
    assert list(statuses.values()).count("counted") == len(voters)
    other = "duplicate" if policy == "first" else "superseded"
    assert set(statuses.values()) <= {"counted", other}


@FAST
@given(votes(min_units=1), st.data(), st.sampled_from(PRESET_IDS), st.sampled_from(("first", "last")))
def test_a_new_agreeing_voter_never_turns_a_pass_into_a_fail(vote, data, rule_id, policy):
    units, ballots = vote
    voted = {person(u) for u in units for b in ballots if b.household_id == u.household_id}
    newcomers = [u for u in units if person(u) not in voted]
    before = tally(units, ballots, rule_id, policy)
    if not newcomers or not before["passed"]:
        return
    newcomer = data.draw(st.sampled_from(newcomers))
    extra = CastBallot(newcomer.household_id, "agree", BASE + timedelta(days=1), "paper", "NEW")
    assert tally(units, ballots + [extra], rule_id, policy)["passed"] is True


def agree_for(units, canvass):
    """One agreeing ballot through the first unit of each canvassed voter."""
    by_label = {u.label: u for u in units}
    return [CastBallot(by_label[c["units"][0]].household_id, "agree", BASE + timedelta(days=1),
                       "paper", f"C{i}") for i, c in enumerate(canvass)]


@FAST
@given(votes(min_units=1), st.sampled_from(PRESET_IDS), st.sampled_from(("first", "last")))
def test_agreeing_ballots_from_the_first_heads_needed_canvass_voters_pass_each_check(
        vote, rule_id, policy):
    units, ballots = vote
    gap = gap_to_pass(units, ballots, rule_id, policy, canvass_limit=None)
    base = tally(units, ballots, rule_id, policy)
    assert gap["passed"] == base["passed"]
    assert [g["passed"] for g in gap["checks"]] == [c["passed"] for c in base["checks"]]
    for index, check in enumerate(gap["checks"]):
        if check["passed"]:
            assert check["heads_needed"] == 0
            continue
        if not check["reachable"]:
            everyone = tally(units, ballots + agree_for(units, gap["canvass"]), rule_id, policy)
            assert everyone["checks"][index]["passed"] is False
            continue
        k = check["heads_needed"]
        assert 1 <= k <= len(gap["canvass"])
        enough = tally(units, ballots + agree_for(units, gap["canvass"][:k]), rule_id, policy)
        assert enough["checks"][index]["passed"] is True
        # Minimal: the k − 1 largest non-voters are not enough.
        fewer = tally(units, ballots + agree_for(units, gap["canvass"][:k - 1]), rule_id, policy)
        assert fewer["checks"][index]["passed"] is False
        if base["checks"][index]["measure"] == "area":
            added = sum(Decimal(c["area"]) for c in gap["canvass"][:k])
            assert added >= Decimal(check["area_needed"]) > 0
    if gap["reachable"]:
        winners = agree_for(units, gap["canvass"][:gap["heads_needed"]])
        assert tally(units, ballots + winners, rule_id, policy)["passed"] is True


@FAST
@given(votes(min_units=1), st.sampled_from(PRESET_IDS))
def test_area_needed_is_the_least_extra_agreeing_area(vote, rule_id):
    units, ballots = vote
    result = tally(units, ballots, rule_id)
    gap = gap_to_pass(units, ballots, rule_id)
    for check, g in zip(result["checks"], gap["checks"]):
        if check["measure"] != "area" or g["passed"] or not g["reachable"]:
            continue
        n, d = Decimal(check["numerator"]), Decimal(check["denominator"])
        grows = check["name"].endswith("_of_participating")
        num, den = (int(x) for x in check["threshold"].split("/"))

        def passes(extra):
            total = d + (extra if grows else 0)
            left, right = (n + extra) * den, num * total
            return total > 0 and (left >= right if check["inclusive"] else left > right)

        x = Decimal(g["area_needed"])
        assert passes(x) and not passes(x - Decimal("0.01"))
