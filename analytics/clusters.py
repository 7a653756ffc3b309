"""Unanswered questions grouped by meaning with the embedder retrieval uses: each new question joins the cluster
whose centroid is nearest when the cosine reaches SAME_MEANING, else starts a cluster of its own."""

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.models import Cluster, Question
from core import pii

SAME_MEANING = 0.65  # cosine of all-MiniLM-L6-v2 embeddings from which two questions ask the same thing
BATCH = 2000  # questions clustered per round trip
Embed = Callable[[Sequence[str]], np.ndarray]  # texts → (n, dim) unit vectors


@lru_cache(maxsize=4096)
def scrubbed(text: str) -> str:
    """Customer text without personal data (scrubbed again here: clusters and exports show it to more people)."""
    return pii.scrub(text)


def _vector(cluster: Cluster) -> np.ndarray:
    """A cluster's centroid as a float32 array."""
    return np.frombuffer(cluster.centroid, dtype=np.float32)


def assign(session: Session, embed: Embed) -> set[str]:
    """Give every question without a cluster one; returns the conversations whose questions got their cluster."""
    clusters = list(session.scalars(select(Cluster).order_by(Cluster.id)))
    centroids = np.stack([_vector(c) for c in clusters]) if clusters else np.zeros((0, 0), dtype=np.float32)
    touched: set[str] = set()
    while True:
        query = select(Question).where(Question.cluster_id.is_(None)).order_by(Question.activity_id).limit(BATCH)
        questions = list(session.scalars(query))
        if not questions:
            return touched
        texts = list(dict.fromkeys(q.text for q in questions))
        vectors = dict(zip(texts, np.asarray(embed(texts), dtype=np.float32), strict=True))
        for question in questions:
            vector = vectors[question.text]
            scores = centroids @ vector if len(clusters) else np.zeros(0)
            best = int(np.argmax(scores)) if len(scores) else -1
            if best < 0 or scores[best] < SAME_MEANING:
                cluster = Cluster(centroid=vector.tobytes(), size=0, label=question.text)
                session.add(cluster)
                session.flush()
                clusters.append(cluster)
                centroids = np.vstack([centroids, vector]) if len(centroids) else vector[None, :].copy()
                best = len(clusters) - 1
            cluster = clusters[best]
            mean = centroids[best] * cluster.size + vector
            centroids[best] = mean / (np.linalg.norm(mean) or 1.0)
            cluster.centroid, cluster.size = centroids[best].tobytes(), cluster.size + 1
            question.cluster_id = cluster.id
            if question.conversation_id:
                touched.add(question.conversation_id)
        session.flush()


def app_embedder(knowledge_base) -> Embed | None:
    """The embedder of the app's open knowledge-base index (never a second copy); None until it is open."""
    return knowledge_base.retriever.embedder.encode if knowledge_base.status() == "ok" else None
