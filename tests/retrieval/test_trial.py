"""A trial index: what publishing one article would change, searched without touching the live index."""

from retrieval import Article

GREEDY = Article(
    id="refund-timing",
    title="How long a refund takes",
    tags=("billing",),
    questions=("how long does a refund take", "when do I get my money back"),
    body="A refund reaches your card 5 business days after the return arrives.",
)


def test_a_trial_answers_with_the_new_article_and_the_live_index_is_untouched(built):
    before = built.version, {a.id for a in built.articles()}
    with built.trial(GREEDY) as what_if:
        assert what_if.search("how long does a refund take")["offered"][0]["article_id"] == "refund-timing"
        assert what_if.version != before[0]
    assert (built.version, {a.id for a in built.articles()}) == before
    assert built.search("how long does a refund take")["hits"][0]["article_id"] == "refunds"
    assert not list(built.store.root.parent.glob(".trial-*"))  # the scratch copy is gone


def test_a_trial_of_a_changed_article_replaces_it(built):
    changed = Article(id="refunds", title="Refunds", tags=("billing",), questions=(), body="We do not refund.")
    with built.trial(changed) as what_if:
        assert what_if.get_article("refunds").body == "We do not refund."
        assert len(what_if.articles()) == len(built.articles())
