"""Choosing the agent for a handed-off chat: skill, capacity, idle order, language, transfer (no app, no Redis)."""

import pytest

from handoff.desk.offers import Candidate, pick


def c(agent_id, skills=(), capacity=3, load=0, last=0) -> Candidate:
    """A candidate for the table test."""
    return Candidate(id=agent_id, skills=frozenset(skills), capacity=capacity, load=load, last_assigned_ms=last)


@pytest.mark.parametrize(
    ("pool", "rule", "skip", "chosen"),
    [
        # skill match: only the agent with the skill (or a generalist) may be offered it
        ([c(1, ["orders"]), c(2, ["billing"])], {"skill": "billing"}, set(), 2),
        ([c(1, ["orders"]), c(2, ["security"])], {"skill": "billing"}, set(), None),
        ([c(1, ["orders"]), c(2, [])], {"skill": "billing"}, set(), 2),
        # capacity: a full agent is passed over
        ([c(1, ["billing"], capacity=2, load=2, last=1), c(2, ["billing"], last=9)], {"skill": "billing"}, set(), 2),
        ([c(1, capacity=0)], {"skill": ""}, set(), None),
        # idle order: the agent whose last chat came longest ago, then the lighter load
        ([c(1, last=500), c(2, last=100), c(3, last=300)], {"skill": ""}, set(), 2),
        ([c(1, last=100, load=2), c(2, last=100, load=1)], {"skill": ""}, set(), 2),
        # an agent already offered it (timed out / declined) is skipped
        ([c(1, last=100), c(2, last=200)], {"skill": ""}, {1}, 2),
        # widened: any skill may take it
        ([c(1, ["orders"])], {"skill": "billing", "widened": True}, set(), 1),
        # language: a Dutch chat goes to an agent who lists "nl" (a language alone leaves them a topic generalist);
        # nobody who speaks it: it waits until widened; English is everyone's
        ([c(1, ["billing"]), c(2, ["billing", "nl"], last=9)], {"skill": "billing", "language": "nl"}, set(), 2),
        ([c(1, []), c(2, ["nl"], last=9)], {"skill": "", "language": "nl"}, set(), 2),
        ([c(1, ["nl"])], {"skill": "billing", "language": "nl"}, set(), 1),
        ([c(1, ["it"]), c(2, [])], {"skill": "", "language": "nl"}, set(), None),
        ([c(1, [])], {"skill": "", "language": "nl", "widened": True}, set(), 1),
        ([c(1, ["orders"])], {"skill": "", "language": "en"}, set(), 1),
        # transferred to one person: only them, even when others are idler
        ([c(1, last=0), c(2, last=900)], {"skill": "", "target": 2}, set(), 2),
    ],
)
def test_pick_the_agent(pool, rule, skip, chosen):
    rule = {"widened": False, "target": None} | rule
    found = pick(pool, **rule, skip=skip)
    assert (found.id if found else None) == chosen
