"""The figures of each analytics view for a period, from the roll-ups; each one says what it counts."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics.daily import HOPS_BUCKETS, WAIT_BUCKETS, WAIT_OVER
from analytics.models import CaseFacts, ConversationFacts, SwarmFacts
from analytics.outcomes import OUTCOMES
from analytics.period import Period, average, ratio
from analytics.queries import count, per_day, percentiles, sums, total
from people.models import User

SCALES = {"csat": (1, 5), "ces": (1, 7)}


def _decided(found) -> int:
    """Conversations whose outcome is decided (not pending)."""
    return count(found, "conv") - count(found, "conv_outcome", "pending")


def overview(session: Session, period: Period) -> dict:
    """The headline figures: volume, containment beside deflection, handoffs, wait, satisfaction, swarms."""
    found = sums(session, period, "conv", "conv_outcome", "conv_deflected", "unanswered", "case_opened")
    decided = _decided(found)
    c = ConversationFacts
    wait = percentiles(session, c.wait_seconds, period.where(c.day, c.channel))
    return {
        "conversations": count(found, "conv"),
        "cases_opened": count(found, "case_opened"),
        "contained": ratio(count(found, "conv_outcome", "contained"), decided, "contained / conversations decided"),
        "deflected": ratio(count(found, "conv_deflected"), decided, "deflected / conversations decided"),
        "handed_off": ratio(
            count(found, "conv_outcome", "handed_off"), count(found, "conv"), "handed off / conversations"
        ),
        "wait_median_seconds": wait[0],
        "unanswered_questions": count(found, "unanswered"),
        "surveys": surveys(session, period)["surveys"],
        "swarms": swarms(session, period)["started_per_100_cases"],
        "empty": count(found, "conv") == 0 and count(found, "case_opened") == 0,
    }


def containment(session: Session, period: Period) -> dict:
    """Outcomes per day (the trend) and over the period, deflection beside containment."""
    found = sums(session, period, "conv", "conv_outcome", "conv_deflected")
    outcomes, deflected = per_day(session, period, "conv_outcome"), per_day(session, period, "conv_deflected")
    decided = _decided(found)
    trend = [
        {"day": day.isoformat(), **{o: outcomes.get(day, {}).get(o, 0) for o in OUTCOMES},
         "deflected": deflected.get(day, {}).get("", 0)}
        for day in period.days()
    ]  # fmt: skip
    figures = {o: ratio(count(found, "conv_outcome", o), decided, f"{o} / conversations decided") for o in OUTCOMES[:4]}
    return {
        "conversations": count(found, "conv"),
        "pending": count(found, "conv_outcome", "pending"),
        "outcomes": figures,
        "deflected": ratio(count(found, "conv_deflected"), decided, "deflected / conversations decided"),
        "trend": trend,
    }


def handoffs(session: Session, period: Period) -> dict:
    """Handoffs by reason, time to a person, abandoned while waiting, handle time, hops and reopened cases."""
    metrics = ("conv", "conv_handoff", "conv_wait", "conv_abandoned", "conv_handle", "conv_hops")
    found = sums(session, period, *metrics, "case_resolved", "case_reopened", "offer_declined", "offer_timed_out")
    conversations, handed = count(found, "conv"), count(found, "conv_handoff")
    c = ConversationFacts
    where = period.where(c.day, c.channel)
    wait, handle = percentiles(session, c.wait_seconds, where), percentiles(session, c.handle_seconds, where)
    reasons = sorted(found["conv_handoff"].items(), key=lambda item: -item[1][0])
    labels = [label for _, label in WAIT_BUCKETS] + [WAIT_OVER]
    return {
        "rate": ratio(handed, conversations, "conversations handed off / conversations"),
        "by_reason": [
            {"reason": reason, **ratio(n, conversations, f"handed off for {reason} / conversations")}
            for reason, (n, _) in reasons
        ],
        "wait": {
            "median_seconds": wait[0],
            "p90_seconds": wait[1],
            "average": average(total(found, "conv_wait"), count(found, "conv_wait"), "seconds handoff → accept"),
            "distribution": [{"bucket": label, "count": count(found, "conv_wait", label)} for label in labels],
        },
        "abandoned": ratio(count(found, "conv_abandoned"), handed, "left while waiting / handed off"),
        "handle": {
            "median_seconds": handle[0],
            "p90_seconds": handle[1],
            "average": average(total(found, "conv_handle"), count(found, "conv_handle"), "seconds accept → close"),
        },
        "hops": {
            "average": average(total(found, "conv_hops"), count(found, "conv_hops"), "people who held it / held"),
            "distribution": [{"bucket": b, "count": count(found, "conv_hops", b)} for b in HOPS_BUCKETS],
        },
        "reopened": ratio(count(found, "case_reopened"), count(found, "case_resolved"), "reopenings / resolutions"),
        "offers_declined": count(found, "offer_declined"),
        "offers_timed_out": count(found, "offer_timed_out"),
    }


def _resolution_groups(session: Session, period: Period) -> list[dict]:
    """Average resolution of swarmed and other cases resolved in the period, per priority and tags."""
    k = CaseFacts
    query = (
        select(k.priority, k.tags, k.swarmed, func.count(), func.avg(k.resolution_seconds))
        .where(*period.where(k.resolved_day, k.channel), k.resolution_seconds.is_not(None))
        .group_by(k.priority, k.tags, k.swarmed)
    )
    groups: dict[tuple, dict] = {}
    for priority, tags, swarmed, n, mean in session.execute(query):
        group = groups.setdefault(
            (priority, tags), {"priority": priority, "tags": tags, "swarm": None, "no_swarm": None}
        )
        group["swarm" if swarmed else "no_swarm"] = {"cases": int(n), "average_seconds": round(float(mean), 1)}
    return sorted(groups.values(), key=lambda g: -((g["swarm"] or {}).get("cases", 0)))


def swarms(session: Session, period: Period) -> dict:
    """Swarm health (started per 100 cases, time to first expert, experts per swarm), impact (resolution time
    against cases of the same priority and tags resolved without one) and contribution (answers accepted)."""
    found = sums(session, period, "swarm_started", "case_opened", "swarm_experts", "swarm_first_expert")
    accepted = sums(session, period, "swarm_answer_accepted")["swarm_answer_accepted"]
    ids = [int(b) for b in accepted if b.isdigit()]
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()) if ids else {}
    s = SwarmFacts
    first = percentiles(session, s.first_expert_seconds, period.where(s.day, s.channel))
    people = [
        {"person_id": int(b), "name": names.get(int(b), f"person {b}"), "answers_accepted": n}
        for b, (n, _) in sorted(accepted.items(), key=lambda item: -item[1][0])
        if b.isdigit()
    ]
    return {
        "started": count(found, "swarm_started"),
        "started_per_100_cases": ratio(
            count(found, "swarm_started"), count(found, "case_opened"), "swarms started / cases opened", scale=100
        ),
        "first_expert": {
            "median_seconds": first[0],
            "average": average(
                total(found, "swarm_first_expert"), count(found, "swarm_first_expert"), "seconds start → first expert"
            ),
        },
        "experts_per_swarm": average(total(found, "swarm_experts"), count(found, "swarm_experts"), "experts / swarms"),
        "resolution": _resolution_groups(session, period),
        "answers_accepted": people,
    }


def surveys(session: Session, period: Period) -> dict:
    """CSAT and CES averages, each with its response rate (answers / (chats closed + cases resolved): the widget
    asks when a chat closes, every resolution email links the survey, whatever the case's channel)."""
    found = sums(session, period, "survey", "close", "case_resolved")
    closed, resolved = count(found, "close"), count(found, "case_resolved")
    figures = {}
    for name, (low, high) in SCALES.items():
        n, summed = found["survey"].get(name, [0, 0.0])
        figures[name] = {
            "scale": [low, high],
            "average": average(summed, n, f"sum of {name} scores / answers"),
            "response_rate": ratio(n, closed + resolved, "answers / (chats closed + cases resolved)"),
        }
    return {"surveys": figures, "chats_closed": closed, "cases_resolved": resolved}
