"""The handoff packet as the agent sees it: the problem in a line or two, what the bot tried, nothing personal."""

from core import pii

MAX_SUMMARY_CHARS = 300


def describe(packet: dict, vocabulary: frozenset[str]) -> dict:
    """`packet` with its customer text scrubbed and a summary: the open question(s), then the articles tried."""
    problem = [pii.scrub(text, (), vocabulary) for text in packet.get("problem") or [] if text]
    recent = [m | {"text": pii.scrub(m.get("text") or "", (), vocabulary)} for m in packet.get("recent_messages") or []]
    return packet | {"problem": problem, "recent_messages": recent, "summary": summary(packet, problem, vocabulary)}


def summary(packet: dict, problem: list[str], vocabulary: frozenset[str]) -> str:
    """One or two lines: "Asked: …" (or the bot's own summary), then "Tried: <titles>" or that the KB had nothing."""
    asked = " / ".join(f"“{text}”" for text in problem) or pii.scrub(packet.get("summary") or "", (), vocabulary)
    titles = [hit.get("title") for hit in packet.get("kb_articles_tried") or [] if hit.get("title")]
    tried = f"Tried: {', '.join(titles)}" if titles else ("The KB had no answer" if problem else "")
    lines = [f"Asked: {asked}" if problem else asked, tried]
    return " — ".join(line for line in lines if line)[:MAX_SUMMARY_CHARS]
