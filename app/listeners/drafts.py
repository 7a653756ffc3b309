"""Resolve → draft: when a case is resolved, its resolution becomes a draft article (or a proposed update)."""

import logging
import threading

from sqlalchemy.orm import Session

from cases import RESOLVED, CaseService, EventBus
from core.db import get_session_factory
from handoff import service as conversations
from handoff.swarm.service import SwarmService
from knowledge.drafting import Resolved, plan
from knowledge.live_index import KnowledgeBase
from knowledge.models import KbArticle
from knowledge.service import Content, KnowledgeService
from knowledge.vocabulary import company_words

log = logging.getLogger(__name__)
AUTHOR = "Swarmdesk (from a resolved case)"


def resolved_case(session: Session, number: str) -> Resolved:
    """What the case, its handoffs and its swarms say: the open problem, the resolution, the ticked answers."""
    cases = CaseService(session)
    case = cases.get(number)
    names, problem, tags = [case.customer_name or ""], [], list(case.tags or [])
    for conversation_id in cases.conversations(case):
        names += [
            m.sender_name
            for m in conversations.messages_after(session=session, conversation_id=conversation_id)
            if m.sender == "agent"
        ]
        for packet in conversations.handoff_packets(session, conversation_id):
            problem += packet.get("problem") or []
            tags += [tag for hit in packet.get("kb_articles_tried") or [] for tag in hit.get("tags") or []]
        problem += conversations.marked_problem(session, conversation_id)
    swarms = SwarmService(session)
    ticked = [m.text for s in swarms.of_case(number) for m in swarms.messages(s) if m.proposed]
    names += [m.name for s in swarms.of_case(number) for m in swarms.history(s)]
    resolution = case.resolution or ""
    return Resolved(number, case.subject, resolution, tags, problem, names, ticked, company_words(session))


def draft_from_case(kb: KnowledgeBase, number: str) -> str | None:
    """Create the draft (or proposed update) for a resolved case; its article id, None if the case had one."""
    with get_session_factory()() as session:
        service = KnowledgeService(session)
        if service.drafted_from(number):
            return None
        resolved = resolved_case(session, number)

        def existing(article_id: str) -> Content | None:
            article = session.get(KbArticle, article_id)
            if article is None or article.status != "published":
                return None
            return Content(article.title, article.body, list(article.tags), list(article.questions))

        drafted = plan(resolved, lambda query: kb.retriever.search(query, top_k=3), existing)
        extra = {"update_of": drafted.target} if drafted.target else {}
        article = service.create(drafted.content, author=AUTHOR, **extra)
        service.link_case(article.id, number, "created")
        session.commit()
        log.info("case %s resolved: drafted %s%s", number, article.id, f" (update of {drafted.target})" * bool(extra))
        return article.id


def draft_on_resolve(bus: EventBus, kb: KnowledgeBase) -> None:
    """Subscribe to case.resolved: draft in the background, so resolving never waits for it or fails by it."""

    def draft(number: str) -> None:
        try:
            draft_from_case(kb, number)
        except Exception:
            log.exception("could not draft an article from case %s; an editor can write it by hand", number)

    bus.subscribe(
        RESOLVED, lambda event: threading.Thread(target=draft, args=(event.case_number,), daemon=True).start()
    )
