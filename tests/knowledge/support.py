"""What the knowledge-loop tests share: waiting for the draft a resolved case produces."""

import time


def drafted(client, editor: dict, number: str) -> dict:
    """The article drafted from case `number` (drafting runs in the background); fails after 20 s."""
    for _ in range(100):
        for row in client.get("/api/kb/articles", headers=editor).json()["articles"]:
            article = client.get(f"/api/kb/articles/{row['id']}", headers=editor).json()
            if {"case_number": number, "relation": "created"} in article["cases"]:
                return article
        time.sleep(0.2)
    raise AssertionError(f"no article was drafted from {number}")
