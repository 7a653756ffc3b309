"""Who gets a waiting conversation: the online agent with its skill, its language and free capacity who was idle
longest.

Languages are skills named by their code ("nl", "it", "fi"): an agent lists the languages they serve customers in
beside their topics. English is everyone's; a conversation in another language goes to its speakers, and to anyone
once it has waited `widen_after_seconds` (as a topic skill does)."""

import time
from dataclasses import dataclass

from core import metrics
from core.realtime import publish_agent, publish_conversation, publish_desk
from core.settings import Settings
from handoff import activity
from handoff.desk import queue as agent_queue
from handoff.desk.presence import online_agents
from language import NAMES, SERVED

LANGUAGES = frozenset(SERVED)  # skills that name a language the customers write in


@dataclass(frozen=True)
class Candidate:
    """An online agent as routing sees them."""

    id: int
    skills: frozenset[str]
    capacity: int
    load: int
    last_assigned_ms: int


def speaks(candidate: Candidate, language: str) -> bool:
    """True if the agent serves customers in `language` (English: everyone)."""
    return not language or language == "en" or language in candidate.skills


def can_take(candidate: Candidate, *, skill: str, language: str = "", widened: bool, target: int | None) -> bool:
    """True if the agent may be offered a conversation needing `skill` in `language` (generalists take any topic)."""
    if target is not None:
        return candidate.id == target
    if candidate.load >= candidate.capacity:
        return False
    topics = candidate.skills - LANGUAGES
    return widened or (speaks(candidate, language) and (not skill or not topics or skill in topics))


def pick(
    candidates: list[Candidate],
    *,
    skill: str,
    language: str = "",
    widened: bool,
    target: int | None,
    skip: set[int],
    offered_at: dict[int, int] | None = None,
) -> Candidate | None:
    """The agent to offer to: can take it, not skipped; those never offered it before those offered it longest ago
    (`offered_at`, ms); then idle longest (ties: lower load, then id)."""
    offered_at = offered_at or {}
    rule = {"skill": skill, "language": language, "widened": widened, "target": target}
    able = [c for c in candidates if c.id not in skip and can_take(c, **rule)]
    return min(able, key=lambda c: (offered_at.get(c.id, 0), c.last_assigned_ms, c.load, c.id), default=None)


def candidates() -> list[Candidate]:
    """Online agents with their load and when they last got a conversation."""
    online = online_agents()
    loads = agent_queue.loads(list(online))
    return [
        Candidate(
            id=agent_id,
            skills=frozenset(info.get("skills", [])),
            capacity=int(info.get("capacity", 3)),
            load=loads[agent_id][0],
            last_assigned_ms=loads[agent_id][1],
        )
        for agent_id, info in online.items()
    ]


def offer_next(conversation_id: str, settings: Settings, pool: list[Candidate] | None = None) -> int | None:
    """Offer a waiting conversation to the agent who helped this customer last (once, if online with room and the
    skill), else the best agent not yet tried (once all were, to one whose last offer of it is older than the
    cooldown); their id or None."""
    record = agent_queue.details(conversation_id)
    if not record or agent_queue.position(conversation_id) is None or agent_queue.offered_to(conversation_id):
        return None
    if agent_queue.expired_offer(conversation_id):
        metrics.OFFERS.labels("timed_out").inc()
        activity.record_now(conversation_id, "offer_timed_out", actor_id=int(record.get("offered") or 0) or None)
    pool = candidates() if pool is None else pool
    busy = {c.id for c in pool if agent_queue.offer_of(c.id)}
    rule = {
        "skill": record.get("skill", ""),
        "language": record.get("language", ""),
        "widened": record.get("widened") == "1",
        "target": int(record["target"]) if record.get("target") else None,
    }
    tried = agent_queue.tried(conversation_id)
    helped = int(record["affinity"]) if record.get("affinity") else None
    chosen = None
    if helped is not None and helped not in tried:  # a returning customer: first to who helped them last, if able
        chosen = pick([c for c in pool if c.id == helped], **rule, skip=busy)
    recent = time.time() * 1000 - settings.offer_cooldown_seconds * 1000  # nobody again within the cooldown
    skip = busy | {agent for agent, at in tried.items() if at > recent}
    chosen = chosen or pick(pool, **rule, skip=skip, offered_at=tried)
    if chosen is None or not agent_queue.offer(conversation_id, chosen.id, settings.offer_timeout_seconds):
        return None
    activity.record_now(conversation_id, "offer", actor_id=chosen.id)
    publish_agent(
        chosen.id,
        {
            "type": "offer",
            "conversation_id": conversation_id,
            "skill": rule["skill"],
            "language_name": NAMES.get(rule["language"], ""),
            "reason": record.get("reason", ""),
            "summary": record.get("summary", ""),
            "expires_in": settings.offer_timeout_seconds,
        },
    )
    return chosen.id


def offer_waiting(settings: Settings) -> int:
    """Offer every waiting conversation without a live offer, in queue order; returns how many were offered."""
    pool = candidates()
    offered = 0
    for row in agent_queue.waiting():
        if row["offered_to"] is None and offer_next(row["conversation_id"], settings, pool) is not None:
            offered += 1
    if offered:
        publish_desk({"type": "queue"})
    return offered


def widen_long_waits(settings: Settings) -> int:
    """Let any skill take conversations waiting longer than `widen_after_seconds`."""
    widened = 0
    for row in agent_queue.waiting():
        if not row["widened"] and row["target"] is None and row["waited_seconds"] >= settings.widen_after_seconds:
            agent_queue.widen(row["conversation_id"])
            widened += 1
    return widened


def announce_positions(settings: Settings) -> int:
    """Tell each waiting customer their place in the queue when it changed; returns how many were told."""
    told = 0
    for place, row in enumerate(agent_queue.waiting(), start=1):
        if agent_queue.note_position(row["conversation_id"], place):
            publish_conversation(row["conversation_id"], {"type": "position", "position": place})
            told += 1
    return told
