"""The decision a customer sees, on a hand-made KB with known answers: answer, clarify between close articles, none."""

import random

import pytest

from retrieval.articles import Article, load_kb
from retrieval.retriever import Retriever

CAM_MOUNTING = Article(
    id="cam-mounting",
    title="Set up your Lumora Cam",
    tags=("setup",),
    questions=("how do I install the camera", "camera setup steps", "what is in the camera box"),
    body=(
        "The box holds the Cam, a magnetic stand, a USB-C cable and two screws.\n\n"
        "Charge the Cam for two hours before first use; the light turns green when it is full.\n\n"
        "To hang it on a brick or concrete wall, drill two 6 mm holes, push in the wall plugs and screw "
        "the magnetic stand on; the Cam snaps onto it."
    ),
)


@pytest.fixture(scope="module")
def retriever(tmp_path_factory, embedder) -> Retriever:
    """The sample KB, its close pair, and an article whose third paragraph answers a mounting question."""
    from tests.retrieval.sample_kb import ARTICLES, CLOSE_PAIR, write_article

    folder = tmp_path_factory.mktemp("kb")
    for article_id, (title, tags, questions, body) in (ARTICLES | CLOSE_PAIR).items():
        write_article(folder, article_id, title, tags, questions, body)
    articles, errors = load_kb(folder)
    assert not errors
    built = Retriever.open(tmp_path_factory.mktemp("index"), embedder=embedder, create=True)
    built.reindex(articles + [CAM_MOUNTING])
    return built


def invented_name() -> str:
    """A brand name made up now, so no model or word list can have seen it."""
    rng = random.Random()
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)).capitalize() + "x"


def test_a_clear_question_is_answered_with_its_article(retriever):
    result = retriever.search("I can't remember my password, how do I get back in?")
    assert result["decision"] == "answer" and result["answerable"] is True
    assert [a["article_id"] for a in result["offered"]] == ["reset-password"]
    assert result["offered"][0] == result["hits"][0]


@pytest.mark.parametrize("template", ["does the Lumora hub work with {} speakers", "can I pair a {} bulb with the app"])
def test_a_brand_the_kb_never_mentions_gets_none(retriever, template):
    result = retriever.search(template.format(invented_name()))
    assert result["decision"] == "none" and result["answerable"] is False and result["offered"] == []


def test_chit_chat_gets_none(retriever):
    result = retriever.search("what is the capital of France")
    assert result["decision"] == "none" and result["confidence"] < 0.5


def test_a_question_two_close_articles_could_answer_gets_a_clarify_offering_both(retriever):
    result = retriever.search("change my address")
    assert result["decision"] == "clarify" and result["answerable"] is False
    offered = [a["article_id"] for a in result["offered"]]
    assert 2 <= len(offered) <= 3 and {"delivery-address", "billing-address"} <= set(offered)


def test_the_snippet_is_the_paragraph_that_answers(retriever):
    hit = retriever.search("can I hang the camera on a concrete wall")["hits"][0]
    assert hit["article_id"] == "cam-mounting"
    assert hit["snippet"].startswith("To hang it on a brick or concrete wall") and hit["snippet"].endswith("onto it.")


def test_an_article_whose_id_yaml_reads_as_a_boolean_is_found_by_that_id(tmp_path, embedder):
    (tmp_path / "no.md").write_text("---\nid: no\ntitle: Say no to marketing email\n---\nUntick it in Settings.\n")
    built = Retriever.open(tmp_path / "index", embedder=embedder, create=True)
    built.reindex(load_kb(tmp_path)[0])
    assert built.search("stop marketing emails")["hits"][0]["article_id"] == "no"
    assert built.get_article("no").title == "Say no to marketing email"


def test_confidence_is_a_probability_and_matches_the_first_hit(retriever):
    for query in ("hub firmware update failed", "refund for a returned item", "who won the match"):
        result = retriever.search(query)
        assert 0.0 <= result["confidence"] <= 1.0 and result["hits"][0]["score"] == result["confidence"]
        assert all(a["score"] >= b["score"] for a, b in zip(result["hits"], result["hits"][1:], strict=False))
