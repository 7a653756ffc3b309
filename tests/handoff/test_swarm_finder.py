"""The expert finder as a table: skill match first, then presence, then the least busy (fairness)."""

import pytest

from handoff.swarm.finder import Person, rank


def p(pid, skills=(), online=True, load=0, recent=0, roles=("expert",)) -> Person:
    """A person for the table."""
    return Person(pid, f"P{pid}", frozenset(roles), frozenset(skills), online, load, recent)


@pytest.mark.parametrize(
    ("people", "needed", "exclude", "order"),
    [
        # more needed skills matched ranks higher
        ([p(1, ["billing"]), p(2, ["billing", "security"]), p(3)], ["billing", "security"], set(), [2, 1, 3]),
        # same skills: online before offline
        ([p(1, ["legal"], online=False), p(2, ["legal"])], ["legal"], set(), [2, 1]),
        # same skills and presence: fewer chats held first
        ([p(1, ["devops"], load=3), p(2, ["devops"], load=1)], ["devops"], set(), [2, 1]),
        # fairness: whoever joined fewer swarms lately goes first
        ([p(1, ["orders"], recent=4), p(2, ["orders"], recent=0)], ["orders"], set(), [2, 1]),
        # the owner (excluded) and people without a swarm role never appear
        ([p(1, ["billing"]), p(2, ["billing"], roles=("editor",)), p(3, ["billing"])], ["billing"], {1}, [3]),
        # agents may be invited too
        ([p(1, ["billing"], roles=("agent",))], ["billing"], set(), [1]),
        # an admin only with the expert or agent role as well
        ([p(1, ["billing"], roles=("admin",)), p(2, ["billing"], roles=("admin", "expert"))], ["billing"], set(), [2]),
    ],
)
def test_rank(people, needed, exclude, order):
    assert [s.person.id for s in rank(people, needed, exclude=exclude)] == order


def test_the_reason_says_what_matched_and_how_busy():
    (top,) = rank([p(1, ["billing", "orders"], load=2, recent=1)], ["billing"], exclude=set())
    assert top.matched == ("billing",) and top.why == "billing · online · 2 chats · 1 recent swarms"
