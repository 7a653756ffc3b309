"""Request and response shapes of the case API; validation errors name the field."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, EmailStr, Field, StringConstraints

from core.inputs import RequestBody, words

Status = Literal["new", "open", "pending_customer", "resolved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
CASE_NUMBER_PATTERN = r"^CS-\d{5,9}$"
CaseNumber = Annotated[str, StringConstraints(pattern=CASE_NUMBER_PATTERN)]
MAX_TEXT = 20_000  # a description, resolution or note longer than this is refused with 413 naming the field
# The spec states it as maxLength; the service, not validation, refuses a longer one (413 is a limit's answer).
WITHIN_MAX_TEXT = Field(json_schema_extra={"maxLength": MAX_TEXT})
LongText = Annotated[str, StringConstraints(strip_whitespace=True), WITHIN_MAX_TEXT]
Tag = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
]


class CaseCreate(RequestBody):
    """A new case: who, what, and how urgent."""

    customer_email: EmailStr
    customer_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=120)] = ""
    subject: words(200)
    description: LongText = ""
    priority: Priority = "normal"
    channel: Literal["chat", "email", "phone", "web"] = "chat"
    reason: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] = []


class CaseCreateRequest(CaseCreate):
    """A case opened from a conversation (by the customer's widget or the bot on their behalf), or by an agent."""

    conversation_id: Annotated[str, StringConstraints(min_length=1, max_length=36)] | None = None
    customer_ip: Annotated[str, StringConstraints(max_length=64)] | None = None


class CaseUpdate(RequestBody):
    """An agent's change to a case; `version` is the one the agent saw (a stale one gets 409)."""

    version: Annotated[int, Field(ge=1)]
    status: Status | None = None
    resolution: LongText | None = None
    priority: Priority | None = None
    subject: words(200) | None = None
    tags: Annotated[list[Tag], Field(max_length=20)] | None = None
    assignee_id: int | None = None
    unassign: bool = False
    parent_number: CaseNumber | None = None
    detach_parent: bool = False


class NoteCreate(RequestBody):
    """A note on the case: internal (staff only) or public (sent to the customer)."""

    text: Annotated[words(), WITHIN_MAX_TEXT]
    public: bool = False


class CaseLookup(RequestBody):
    """A customer's question about a case: its number and the email on it (or the conversation that opened it)."""

    number: CaseNumber
    email: EmailStr | None = None
    conversation_id: Annotated[str, StringConstraints(max_length=36)] | None = None
    customer_ip: Annotated[str, StringConstraints(max_length=64)] | None = None


class PublicUpdate(BaseModel):
    """An update the customer may see."""

    text: str
    created_at: datetime


class CustomerCaseView(BaseModel):
    """What a customer sees of their case: never internal notes."""

    number: str
    subject: str
    status: Status
    status_text: str
    created_at: datetime
    updated_at: datetime
    resolution: str | None
    assignee_name: str | None = None
    public_updates: list[PublicUpdate]
