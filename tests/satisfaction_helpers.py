"""A satisfaction round (issue 17 item 6) opened after a passed stage-3 decision, for API, page and browser tests."""
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from tests.ballots_helpers import fetch_links
from tests.rounds_helpers import create_proposal, estate_with_roster
from voting.extensions import db
from voting.models.proposals import Proposal
from voting.models.rounds import Round
from voting.tally.rules import get_rule
from voting.tally.tally import assemble


@dataclass
class Survey:
    estate_id: int
    proposal_id: int
    stage3_id: int
    round_id: int
    headers: dict
    links: dict  # the survey's own links (unit label → path, token…)


def passed_stage_three(proposal_id: int, clock) -> int:
    """A closed, passed stage-3 decision round of the proposal, as the three rounds before it would leave it.

    Written directly: how a decision round passes is the rounds tests' business, not the survey's.
    """
    proposal = db.session.get(Proposal, proposal_id)
    # Everyone agreed (the small roster: 3 owners, 395.75 m²): the frozen result a close would have kept.
    result = assemble(get_rule("civil-code-278-major"), "first",
                      {"all": (3, 39575), "agree": (3, 39575), "disagree": (0, 0), "abstain": (0, 0)}, [])
    round_ = Round(estate_id=proposal.estate_id, proposal_id=proposal_id, stage=3, title="第三次征询：正式方案",
                   rule="civil-code-278-major", ballot_policy="first", verification="link",
                   opens_at=clock.now - timedelta(days=40), closes_at=clock.now - timedelta(days=30),
                   status="closed", passed=result["passed"], total_heads=3, total_area=Decimal("395.75"),
                   result_json=json.dumps(result), kind="decision")
    db.session.add(round_)
    db.session.commit()
    return round_.id


def create_survey(client, proposal_id: int, headers: dict, clock, days: int = 7, **extra):
    return client.post(f"/api/v1/proposals/{proposal_id}/rounds", headers=headers, json={
        "kind": "satisfaction", "opens_at": clock.now.isoformat(),
        "closes_at": (clock.now + timedelta(days=days)).isoformat(), **extra})


def open_survey(client, clock, policy: str = "first", username: str = "sq") -> Survey:
    estate_id, headers = estate_with_roster(client, username=username)
    proposal_id = create_proposal(client, estate_id, headers)
    stage3 = passed_stage_three(proposal_id, clock)
    created = create_survey(client, proposal_id, headers, clock, ballot_policy=policy)
    assert created.status_code == 201, created.get_json()
    round_id = created.get_json()["id"]
    opened = client.post(f"/api/v1/rounds/{round_id}/open", headers=headers)
    assert opened.status_code == 200, opened.get_json()
    return Survey(estate_id, proposal_id, stage3, round_id, headers, fetch_links(client, round_id, headers))


@dataclass
class AfterWorks:
    """A survey opened after the household's earlier round closed: that round's links answer the survey."""

    survey: Survey
    old_round_id: int
    old_links: dict  # the earlier (closed) round's links: the residents' QR codes


def survey_after_a_closed_round(client, clock, policy: str = "first") -> AfterWorks:
    """A decision round with links, voted and closed; then the stage-3 decision passed; then the survey opened."""
    from tests.ballots_helpers import open_round_with_links

    opened = open_round_with_links(client, clock)
    assert client.post("/api/v1/ballots", json={"token": opened.links["1-1-101"]["token"],
                                                "choice": "agree"}).status_code == 201
    clock.advance(days=7, minutes=1)
    assert client.post(f"/api/v1/rounds/{opened.round_id}/close", headers=opened.headers).status_code == 200
    proposal_id = db.session.get(Round, opened.round_id).proposal_id
    stage3 = passed_stage_three(proposal_id, clock)
    created = create_survey(client, proposal_id, opened.headers, clock, ballot_policy=policy)
    assert created.status_code == 201, created.get_json()
    round_id = created.get_json()["id"]
    assert client.post(f"/api/v1/rounds/{round_id}/open", headers=opened.headers).status_code == 200
    survey = Survey(opened.estate_id, proposal_id, stage3, round_id, opened.headers,
                    fetch_links(client, round_id, opened.headers))
    return AfterWorks(survey, opened.round_id, opened.links)
