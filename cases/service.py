"""Use cases of the case record; every change writes its timeline entry and queues its events and emails."""

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cases import activity, emails, events, lifecycle, sla
from cases.models import Case, CaseConversation, CaseEmail, CaseEvent, case_id, utcnow
from cases.schemas import MAX_TEXT, CaseCreate, CaseUpdate
from cases.terms import SYSTEM, Actor, CaseFilter, CaseNotFound, TooLarge, VersionConflict

# Built once: every customer chat message asks it.
_CASES_OF_CONVERSATION = (
    select(Case)
    .join(CaseConversation, CaseConversation.case_id == Case.id)
    .where(CaseConversation.conversation_id == bindparam("conversation_id"))
)


class CaseService:
    """Cases over one database session; `commit()` writes and then announces the queued events."""

    def __init__(
        self,
        session: Session,
        *,
        policy: sla.SlaPolicy | None = None,
        bus: events.EventBus | None = None,
        clock: Callable[[], datetime] = utcnow,
        company: str = "",
    ) -> None:
        self.session, self.policy, self.bus, self.clock = session, policy or sla.SlaPolicy(), bus, clock
        self.company = company  # whose support team signs the customer emails
        self._pending: list[events.DomainEvent] = []

    def commit(self) -> None:
        """Commit the transaction, then publish its events (an event never announces an unsaved change)."""
        try:
            self.session.commit()
        except StaleDataError as error:
            self.session.rollback()
            self._pending.clear()
            raise VersionConflict("the case was changed by someone else meanwhile; reload it") from error
        published, self._pending = self._pending, []
        if self.bus is not None:
            self.bus.publish(published)

    # -- reading ---------------------------------------------------------------------------------

    def get(self, number: str) -> Case:
        """The case with `number`, or CaseNotFound."""
        case = self._by_number(number)
        if case is None:
            raise CaseNotFound(f"no case {number}")
        return case

    def _by_number(self, number: str) -> Case | None:
        """The case with `number`, or None."""
        key = case_id(number)
        return self.session.get(Case, key) if key is not None else None

    def find(self, wanted: CaseFilter) -> tuple[list[Case], int]:
        """One page of cases matching the filters, most recently updated first, and the total count."""
        query = select(Case)
        if wanted.status:
            query = query.where(Case.status == wanted.status)
        if wanted.priority:
            query = query.where(Case.priority == wanted.priority)
        if wanted.assignee_id is not None:
            query = query.where(Case.assignee_id == wanted.assignee_id)
        if wanted.customer_email:
            query = query.where(Case.customer_email == wanted.customer_email.lower())
        if wanted.unassigned:
            query = query.where(Case.assignee_id.is_(None))
        if wanted.breached is not None:
            either = or_(Case.first_response_breached, Case.resolution_breached)
            query = query.where(either if wanted.breached else ~either)
        cases = self.session.scalars(query.order_by(Case.updated_at.desc(), Case.id.desc())).all()
        if wanted.tag:  # tags are a JSON list: filtered here to stay portable across SQLite and PostgreSQL
            cases = [case for case in cases if wanted.tag in case.tags]
        start = (wanted.page - 1) * wanted.per_page
        return list(cases[start : start + wanted.per_page]), len(cases)

    def conversations(self, case: Case) -> list[str]:
        """Ids of the conversations linked to the case, oldest link first."""
        query = select(CaseConversation.conversation_id).where(CaseConversation.case_id == case.id)
        return list(self.session.scalars(query.order_by(CaseConversation.id)))

    def cases_of_conversation(self, conversation_id: str) -> list[Case]:
        """The cases a conversation is linked to."""
        return list(self.session.scalars(_CASES_OF_CONVERSATION, {"conversation_id": conversation_id}))

    def children(self, case: Case) -> list[Case]:
        """The cases linked to this one as their parent (a major case's customers)."""
        return list(self.session.scalars(select(Case).where(Case.parent_id == case.id).order_by(Case.id)))

    def emails(self, case: Case) -> list[CaseEmail]:
        """The emails to the case's customer, with their delivery state."""
        return list(self.session.scalars(select(CaseEmail).where(CaseEmail.case_id == case.id).order_by(CaseEmail.id)))

    def customer_lookup(self, number: str, *, email: str | None, conversation_id: str | None) -> Case | None:
        """The case if the caller may see it: the email on the case, or a conversation linked to it; else None."""
        case = self._by_number(number)
        if case is None:
            return None
        if email and email.strip().lower() == case.customer_email:
            return case
        if conversation_id and conversation_id in self.conversations(case):
            return case
        return None

    # -- changing --------------------------------------------------------------------------------

    def create(
        self, data: CaseCreate, actor: Actor, *, conversation_id: str | None = None, language: str | None = None
    ) -> Case:
        """Open a case (number assigned, SLA started, customer emailed), optionally from a conversation (whose
        customer's `language` it keeps)."""
        _limit("description", data.description)
        now = self.clock()
        case = Case(
            customer_email=str(data.customer_email).lower(),
            customer_name=data.customer_name,
            subject=data.subject,
            description=data.description,
            priority=data.priority,
            channel=data.channel,
            reason=data.reason,
            tags=list(dict.fromkeys(data.tags)),
            origin_conversation_id=conversation_id,
            language=language,
            created_at=now,
            updated_at=now,
        )
        self.policy.start(case, now)
        self.session.add(case)
        self.session.flush()
        self._log(case, "created", actor, now, public=False, data={"priority": case.priority, "channel": case.channel})
        if conversation_id:
            self.session.add(CaseConversation(case_id=case.id, conversation_id=conversation_id, linked_at=now))
        emails.queue(self.session, case, "created", now, company=self.company)
        activity.record(self.session, case, "case_opened", actor_id=actor.user_id, at=now)
        self._announce(events.CREATED, case, conversation_id=conversation_id)
        return case

    def update(self, number: str, change: CaseUpdate, actor: Actor, *, assignee_name: str | None = None) -> Case:
        """Apply an agent's change made from `change.version`; VersionConflict or TransitionError refuse it."""
        with self.session.no_autoflush:  # a concurrent save surfaces at commit, as a VersionConflict
            case = self.get(number)
            if case.version != change.version:
                raise VersionConflict(f"the case is at version {case.version}, not {change.version}; reload it")
            _limit("resolution", change.resolution)
            self._apply(case, change, actor, assignee_name, self.clock())
        return case

    def _apply(self, case: Case, change: CaseUpdate, actor: Actor, assignee_name: str | None, now: datetime) -> None:
        """Apply each field of the change, with its timeline entry."""
        if change.status is not None:
            self._set_status(case, change.status, actor, now, resolution=change.resolution)
        if change.priority is not None and change.priority != case.priority:
            old, case.priority = case.priority, change.priority
            self.policy.reprioritise(case, old)
            self._log(case, "priority_changed", actor, now, data={"from": old, "to": case.priority})
        if change.subject is not None and change.subject != case.subject:
            self._log(case, "subject_changed", actor, now, data={"from": case.subject, "to": change.subject})
            case.subject = change.subject
        if change.tags is not None and list(dict.fromkeys(change.tags)) != case.tags:
            case.tags = list(dict.fromkeys(change.tags))
            self._log(case, "tags_changed", actor, now, data={"tags": case.tags})
        if change.unassign or change.assignee_id is not None:
            self._assign(case, None if change.unassign else change.assignee_id, assignee_name, actor, now)
        if change.detach_parent or change.parent_number is not None:
            self._set_parent(case, None if change.detach_parent else change.parent_number, actor, now)
        case.updated_at = now

    def add_note(self, number: str, text: str, actor: Actor, *, public: bool) -> CaseEvent:
        """Add a note; a public one reaches the customer, and on a major case every child case's customer."""
        _limit("text", text)
        case = self.get(number)
        now = self.clock()
        note = self._log(case, "public_note" if public else "note", actor, now, public=public, text=text)
        if public:
            self._first_response(case, actor, now)
            self._public_update(case, text, now)
            for child in self.children(case):
                self._log(child, "public_update", actor, now, public=True, text=text, data={"from": case.number})
                self._public_update(child, text, now)
        return note

    def link_conversation(self, case: Case, conversation_id: str, actor: Actor) -> None:
        """Link another conversation to the case (its messages then belong to the case's story)."""
        if conversation_id in self.conversations(case):
            return
        now = self.clock()
        self.session.add(CaseConversation(case_id=case.id, conversation_id=conversation_id, linked_at=now))
        self._log(case, "conversation_linked", actor, now, data={"conversation_id": conversation_id})

    def record_event(self, case: Case, kind: str, actor: Actor, *, text: str = "", data: dict | None = None) -> None:
        """Append a timeline entry written by another part (handoff, swarm) without changing the case."""
        self._log(case, kind, actor, self.clock(), text=text, data=data or {})

    def customer_replied(self, case: Case, text: str, *, conversation_id: str | None = None) -> None:
        """A customer's message on the case: logged; it reopens a resolved case and resumes a waiting one."""
        now = self.clock()
        self._log(
            case,
            "customer_message",
            Actor("customer", case.customer_name or "Customer"),
            now,
            text=text,
            data={"conversation_id": conversation_id} if conversation_id else {},
        )
        case.last_customer_reply_at = now
        if case.status in {"resolved", "pending_customer"}:
            self._set_status(case, "open", SYSTEM, now, resolution=None, why="the customer replied")
        case.updated_at = now

    # -- scheduled work --------------------------------------------------------------------------

    def mark_breaches(self) -> int:
        """Flag cases that missed a target (each once, with a timeline entry); returns how many were flagged."""
        now = self.clock()
        active = self.session.scalars(select(Case).where(Case.status.in_(lifecycle.ACTIVE))).all()
        flagged = 0
        for case in active:
            for target in sla.breaches(case, now):
                setattr(case, f"{target}_breached", True)
                self._log(case, "sla_breached", SYSTEM, now, data={"target": target})
                flagged += 1
        return flagged

    def auto_close(self, after_days: int) -> int:
        """Close resolved cases with no customer reply for `after_days` days; returns how many."""
        now = self.clock()
        cutoff = now - timedelta(days=after_days)
        stale = self.session.scalars(select(Case).where(Case.status == "resolved", Case.resolved_at <= cutoff)).all()
        closed = 0
        for case in stale:
            self._set_status(
                case,
                "closed",
                SYSTEM,
                now,
                resolution=case.resolution,
                why=f"no reply for {after_days} days after it was resolved",
            )
            case.updated_at = now
            closed += 1
        return closed

    def count_by_status(self) -> dict[str, int]:
        """How many cases are in each status."""
        rows = self.session.execute(select(Case.status, func.count()).group_by(Case.status))
        return {status: count for status, count in rows}

    # -- internals -------------------------------------------------------------------------------

    def _set_status(
        self, case: Case, target: str, actor: Actor, now: datetime, *, resolution: str | None, why: str = ""
    ) -> None:
        """Change the status through the lifecycle, keeping the SLA clock, timestamps and customer in step."""
        current = case.status
        lifecycle.check_transition(current, target, resolution=resolution if target == "resolved" else None)
        kind = "reopened" if lifecycle.is_reopen(current, target) else "status_changed"
        case.status = target
        if current == "pending_customer":
            sla.resume(case, now)
        if target == "pending_customer":
            sla.pause(case, now)
        if kind == "reopened":
            case.resolved_at = case.closed_at = None
            sla.restart_resolution(case, self.policy, now)
            activity.record(self.session, case, "case_reopened", actor_id=actor.user_id, at=now, reason=current)
        if target == "resolved":
            case.resolution, case.resolved_at = resolution.strip(), now
            self._first_response(case, actor, now)
            emails.queue(self.session, case, "resolved", now, company=self.company)
            activity.record(self.session, case, "case_resolved", actor_id=actor.user_id, at=now)
            self._announce(events.RESOLVED, case, resolution=case.resolution)
        if target == "closed":
            case.closed_at = now
        self._log(case, kind, actor, now, text=why, data={"from": current, "to": target})
        self._announce(events.STATUS_CHANGED, case, status=target, previous=current)
        if target == "resolved":
            for child in self.children(case):
                if child.status in lifecycle.ACTIVE:
                    self._set_status(
                        child,
                        "resolved",
                        actor,
                        now,
                        resolution=resolution,
                        why=f"resolved with its parent case {case.number}",
                    )
                    child.updated_at = now

    def _assign(self, case: Case, user_id: int | None, name: str | None, actor: Actor, now: datetime) -> None:
        """Set or clear the assignee."""
        if user_id == case.assignee_id:
            return
        previous = case.assignee_name
        case.assignee_id, case.assignee_name = user_id, name if user_id is not None else None
        self._log(
            case,
            "assigned" if user_id else "unassigned",
            actor,
            now,
            data={"from": previous, "to": case.assignee_name, "assignee_id": user_id},
        )
        if case.status == "new" and user_id is not None:
            self._set_status(case, "open", actor, now, resolution=None)

    def _set_parent(self, case: Case, parent_number: str | None, actor: Actor, now: datetime) -> None:
        """Link the case under a major (parent) case, or detach it."""
        if parent_number is None:
            if case.parent_id is not None:
                case.parent_id = None
                self._log(case, "parent_unlinked", actor, now)
            return
        parent = self.get(parent_number)
        if parent.id == case.id or parent.parent_id is not None:
            raise lifecycle.TransitionError("a case cannot be its own parent, and a child case cannot be a parent")
        if self.children(case):
            raise lifecycle.TransitionError(f"{case.number} is itself a major case with linked cases")
        case.parent_id = parent.id
        self._log(case, "parent_linked", actor, now, data={"parent": parent.number})
        self._log(parent, "child_linked", actor, now, data={"child": case.number})

    def _first_response(self, case: Case, actor: Actor, now: datetime) -> None:
        """Record the first staff response to the customer."""
        if case.first_response_at is None and actor.user_id is not None:
            case.first_response_at = now

    def _public_update(self, case: Case, text: str, now: datetime) -> None:
        """Tell the case's customer: an email, and an event for their open conversations."""
        emails.queue(self.session, case, "public_update", now, text=text, company=self.company)
        self._announce(events.PUBLIC_UPDATE, case, text=text)

    def _announce(self, kind: str, case: Case, **data) -> None:
        """Queue a domain event; it is published after the commit."""
        self._pending.append(events.DomainEvent(kind, case.number, data))

    def _log(
        self,
        case: Case,
        kind: str,
        actor: Actor,
        now: datetime,
        *,
        public: bool = False,
        text: str = "",
        data: dict | None = None,
    ) -> CaseEvent:
        """Append one timeline entry."""
        entry = CaseEvent(
            kind=kind, actor=actor.ref, actor_name=actor.name, public=public, text=text, data=data or {}, created_at=now
        )
        case.timeline.append(entry)
        return entry


def _limit(field: str, text: str | None) -> None:
    """Refuse a text over MAX_TEXT characters, naming the field."""
    if text and len(text) > MAX_TEXT:
        raise TooLarge(f"{field}: {len(text):,} characters is over the limit of {MAX_TEXT:,}")
