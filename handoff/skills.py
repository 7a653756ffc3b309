"""Which skill a handed-off conversation needs, from the KB articles the bot tried and a tag → skill table.

The table is company data, not code: a YAML mapping in the file that `SKILLS_FILE` names (the demo's is
`kb/skills.yml`); a missing file means no skills, so every agent may take every chat."""

from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache
def skills_by_tag(path: Path) -> dict[str, str]:
    """The tag → skill table in `path` (read once per process); {} if there is no such file."""
    if not path.exists():
        return {}
    table = yaml.safe_load(path.read_text()) or {}
    return {str(tag): str(skill) for tag, skill in table.items()}


def skill_for(packet: dict, table: dict[str, str]) -> str | None:
    """The skill of the best KB article tried (its first tag that maps to a skill), or None for any agent."""
    for article in packet.get("kb_articles_tried") or []:
        for tag in article.get("tags") or []:
            if tag in table:
                return table[tag]
    return None
