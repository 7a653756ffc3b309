"""Telling people about swarm events through pluggable senders (imports no Swarmdesk package).

notice = SwarmNotice(kind="invited", swarm_id=7, case_number="CS-10428", case_subject="Cam offline",
                     actor="Ana Agent", recipients=["Eli Expert"], text="Ana Agent invited Eli Expert.",
                     url="https://desk.example/swarms/7")
WebhookSender(url, secret, timeout).send(notice)    # signed JSON POST; DeliveryError when it fails
SlackSender(webhook_url, timeout).send(notice)      # Slack incoming webhook; DeliveryError when it fails
verify_signature(secret, timestamp, body, header)   # what a webhook receiver checks
"""

from typing import Protocol

from notify.events import KINDS, SwarmNotice, utc_now_iso
from notify.senders import (
    DeliveryError,
    SlackSender,
    WebhookSender,
    sign,
    slack_escape,
    slack_payload,
    verify_signature,
)


class Sender(Protocol):
    """Anything that delivers one notice, or raises DeliveryError saying why it could not."""

    def send(self, notice: SwarmNotice, delivery_id: str = "") -> None:
        """Deliver `notice`; `delivery_id` stays the same across retries so receivers can drop repeats."""
        ...


__all__ = [
    "KINDS",
    "DeliveryError",
    "Sender",
    "SlackSender",
    "SwarmNotice",
    "WebhookSender",
    "sign",
    "slack_escape",
    "slack_payload",
    "utc_now_iso",
    "verify_signature",
]
