"""Case management: the system of record for every customer problem (imports no other Swarmdesk package).

    from cases import CaseService, Actor, CaseCreate, CaseUpdate, EventBus, SlaPolicy
    service = CaseService(session, policy=SlaPolicy(), bus=bus, clock=utcnow)
    case = service.create(CaseCreate(...), actor)       # number CS-10001…, SLA due times, "created" email queued
    service.update(case.number, CaseUpdate(version=…, status="resolved", resolution="…"), actor)
    service.add_note(number, "text", actor, public=True)  # public: to the customer (and a major case's children)
    service.commit()                                      # writes, then publishes case.* events to the bus

Lifecycle rules live in `cases.lifecycle`, service levels in `cases.sla`, customer emails in `cases.emails`,
the customer view in `cases.views`.
"""

from cases.events import CREATED, PUBLIC_UPDATE, RESOLVED, STATUS_CHANGED, DomainEvent, EventBus
from cases.lifecycle import TransitionError
from cases.schemas import CaseCreate, CaseUpdate
from cases.service import CaseService
from cases.sla import SlaPolicy
from cases.terms import SYSTEM, Actor, CaseFilter, CaseNotFound, TooLarge, VersionConflict

__all__ = [
    "CREATED",
    "PUBLIC_UPDATE",
    "RESOLVED",
    "STATUS_CHANGED",
    "SYSTEM",
    "Actor",
    "CaseCreate",
    "CaseFilter",
    "CaseNotFound",
    "CaseService",
    "CaseUpdate",
    "DomainEvent",
    "EventBus",
    "SlaPolicy",
    "TooLarge",
    "TransitionError",
    "VersionConflict",
]
