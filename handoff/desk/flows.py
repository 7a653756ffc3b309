"""The desk's use cases: accept, decline, transfer, close and hand back a chat, and a customer leaving one.

Each changes the database and the Redis queue together, here and nowhere else; the routes only speak HTTP
(they map `NotFound` to 404, `NotAllowed` to 403, `NotAvailable` to 409, `InvalidTarget` to 422 and
`BotUnavailable` to 503)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import metrics
from core.realtime import publish_agent, publish_conversation, publish_desk
from core.settings import Settings
from handoff import activity, flows
from handoff.desk import offers
from handoff.desk import queue as agent_queue
from handoff.desk.presence import online_agents
from handoff.models import Conversation, Handoff
from handoff.rasa_client import RasaClient
from language import NAMES
from people.auth import Principal
from people.models import User

PASSING_TEXT = "{name} is passing you to a colleague; they will see everything so far."
PASSING_TO_SKILL_TEXT = "{name} is passing you to a colleague who handles {skill}; they will see everything so far."
CLOSED_TEXT = "{name} closed the chat."
READS_ANY = frozenset({"admin", "lead"})  # roles that may read every chat, the bot's own included


class NotFound(LookupError):
    """No such conversation."""


class NotAllowed(PermissionError):
    """This agent may not do this to this conversation."""


class NotAvailable(RuntimeError):
    """The conversation is not in a state that allows it (taken by someone else, not waiting, …)."""


class InvalidTarget(ValueError):
    """A transfer's target is not one that can take the conversation; the message names the field."""


def conversation_of(session: Session, conversation_id: str) -> Conversation:
    """The conversation; NotFound if there is none."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound(f"no conversation {conversation_id}")
    return conversation


def readable_by(agent: Principal, session: Session, conversation_id: str) -> Conversation:
    """The conversation if this agent may read and watch it: every chat that was handed to a person (queued, held
    now or earlier, by anyone: colleagues take over, transfer and swarm on them); a chat only the bot ever had is
    for admins and support leads only (who read any chat, and act in none they do not hold). NotFound / NotAllowed
    otherwise."""
    conversation = conversation_of(session, conversation_id)
    if READS_ANY & agent.roles or session.scalar(select(Handoff.id).where(Handoff.conversation_id == conversation_id)):
        return conversation
    raise NotAllowed("this chat never came to a person: only admins and leads may read it")


def held_by(agent: Principal, session: Session, conversation_id: str) -> Conversation:
    """The conversation if this agent holds it; NotAllowed otherwise."""
    conversation = conversation_of(session, conversation_id)
    if agent_queue.owner(conversation_id) != agent.user_id or conversation.state != "agent":
        raise NotAllowed("you are not the agent on this conversation")
    return conversation


def _check_can_take(agent: Principal, session: Session, conversation_id: str) -> None:
    """NotAllowed if the conversation needs a skill or a language this agent lacks (unless widened, or offered to
    them)."""
    record = agent_queue.details(conversation_id)
    if agent_queue.offered_to(conversation_id) == agent.user_id or record.get("widened") == "1":
        return
    skill, target = record.get("skill", ""), record.get("target", "")
    if target and int(target) != agent.user_id:
        raise NotAllowed("this conversation was transferred to another agent")
    skills = set(session.get(User, agent.user_id).skill_list) if agent.user_id else set()
    topics, language = skills - offers.LANGUAGES, record.get("language", "")
    if skill and topics and skill not in topics:
        raise NotAllowed(f"this conversation needs the skill {skill}")
    if language and language not in skills:
        raise NotAllowed(f"this conversation is in {NAMES.get(language, language)}: its speakers are offered it first")


def accept(session: Session, agent: Principal, conversation_id: str) -> Conversation:
    """Take a waiting conversation (one agent wins; the others get NotAvailable); the customer is told who joined."""
    conversation = conversation_of(session, conversation_id)
    _check_can_take(agent, session, conversation_id)
    offered = agent_queue.offered_to(conversation_id)
    waited = agent_queue.waited_seconds(conversation_id)
    if not agent_queue.claim(conversation_id, agent.user_id):
        holder = agent_queue.owner(conversation_id)
        why = "another agent accepted it first" if holder and holder != agent.user_id else "it is not waiting"
        raise NotAvailable(f"you can't take this conversation: {why}")
    conversation.agent_id = agent.user_id  # stored with the join below: who helped, should the customer return
    activity.record(session, conversation, "accept", actor_id=agent.user_id, value=waited)
    if waited is not None:
        metrics.QUEUE_WAIT.observe(waited)
    if offered == agent.user_id:
        metrics.OFFERS.labels("accepted").inc()
    if offered and offered != agent.user_id:
        agent_queue.clear_offer_of(offered, conversation_id)
        publish_agent(offered, {"type": "offer_gone", "conversation_id": conversation_id})
    flows.agent_joined(
        session=session, publish=publish_conversation, conversation=conversation, agent_name=agent.display_name
    )
    publish_desk({"type": "queue"})
    return conversation


def decline(settings: Settings, agent: Principal, conversation_id: str) -> int | None:
    """Pass on an offer: it goes to the next agent straight away; returns who was offered it next."""
    if agent_queue.offered_to(conversation_id) != agent.user_id:
        raise NotAvailable("you have no offer of this conversation")
    agent_queue.clear_offer_of(agent.user_id, conversation_id)
    metrics.OFFERS.labels("declined").inc()
    activity.record_now(conversation_id, "offer_declined", actor_id=agent.user_id)
    return offers.offer_next(conversation_id, settings)


def transfer(
    session: Session,
    settings: Settings,
    agent: Principal,
    conversation_id: str,
    *,
    to_agent: int | None,
    skill: str | None,
) -> tuple[Conversation, int, int | None]:
    """Hand the conversation to another agent or skill, keeping its place and transcript: (it, place, offered to)."""
    conversation = held_by(agent, session, conversation_id)
    if to_agent is not None and to_agent not in online_agents():
        raise InvalidTarget(f"agent_id: agent {to_agent} is not online")
    if to_agent == agent.user_id:
        raise InvalidTarget("agent_id: that is you")
    place = agent_queue.requeue(conversation_id, skill=skill, target=to_agent)
    if place is None:
        raise NotAllowed("you are not the agent on this conversation")
    moved = {"from": agent.user_id, "skill": skill}  # to a skill: who takes it is known at their accept
    activity.record(session, conversation, "transfer", actor_id=to_agent, detail=moved)
    passing = PASSING_TO_SKILL_TEXT.format(name=agent.display_name, skill=skill) if skill else None
    flows.back_to_queue(
        session=session,
        publish=publish_conversation,
        conversation=conversation,
        text=passing or PASSING_TEXT.format(name=agent.display_name),
    )
    offered = offers.offer_next(conversation_id, settings)
    publish_desk({"type": "queue"})
    return conversation, place, offered


def close(session: Session, agent: Principal, conversation_id: str) -> Conversation:
    """End the conversation as its agent."""
    conversation = held_by(agent, session, conversation_id)
    flows.end_conversation(
        session=session,
        publish=publish_conversation,
        conversation=conversation,
        closing_text=CLOSED_TEXT.format(name=agent.display_name),
        actor_id=agent.user_id,
    )
    agent_queue.release(conversation_id)
    return conversation


def hand_back(session: Session, rasa: RasaClient, agent: Principal, conversation_id: str) -> Conversation:
    """Give the conversation this agent holds back to the bot, from a clean state (BotUnavailable if Rasa can't
    reset)."""
    conversation = held_by(agent, session, conversation_id)
    flows.hand_back(
        session=session, publish=publish_conversation, rasa=rasa, conversation=conversation, actor_id=agent.user_id
    )
    agent_queue.withdraw(conversation.id)
    agent_queue.release(conversation.id)
    return conversation


def customer_leaves(session: Session, conversation: Conversation) -> None:
    """End the chat at the customer's request, leaving the queue if they were waiting."""
    flows.end_conversation(session=session, publish=publish_conversation, conversation=conversation)
    agent_queue.withdraw(conversation.id)
    agent_queue.release(conversation.id)
