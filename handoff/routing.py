"""Which skill a handed-off conversation needs, from the KB articles the bot tried."""

SKILL_BY_TAG = {
    "account": "accounts",
    "login": "accounts",
    "billing": "billing",
    "refunds": "billing",
    "subscription": "billing",
    "orders": "orders",
    "delivery": "orders",
    "returns": "orders",
    "warranty": "orders",
    "security": "security",
    "privacy": "security",
    "troubleshooting": "devices",
    "setup": "devices",
    "hub": "devices",
    "bulb": "devices",
    "plug": "devices",
    "cam": "devices",
    "app": "devices",
}


def skill_for(packet: dict) -> str | None:
    """The skill of the best KB article tried (its first tag that maps to a skill), or None for any agent."""
    for article in packet.get("kb_articles_tried") or []:
        for tag in article.get("tags") or []:
            if tag in SKILL_BY_TAG:
                return SKILL_BY_TAG[tag]
    return None
