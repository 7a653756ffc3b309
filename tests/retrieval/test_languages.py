"""Search in the index's language: terms by that language's analyzer, its word frequencies and its negative pool."""

from pathlib import Path

import numpy as np
import pytest
from wordfreq import top_n_list

from retrieval.analysis import DUTCH, ENGLISH, FINNISH, ITALIAN, analyzer_for
from retrieval.articles import Article
from retrieval.calibration import negative_pool, swap_specific_word
from retrieval.embedder import MODEL_ENV, Embedder, default_model_dir, model_dir_for
from retrieval.retriever import Retriever
from retrieval.vocabulary import Vocabulary

KBS = {
    "nl": [
        Article("lost-parcel", "Pakket kwijt", "Is het pakket niet bezorgd? Meld het binnen 14 dagen.", language="nl"),
        Article("invoice", "Factuur downloaden", "Je factuur staat als pdf onder Bestellingen.", language="nl"),
        Article("password", "Wachtwoord vergeten", "Tik op Wachtwoord vergeten en open de link.", language="nl"),
    ],
    "fi": [
        Article("order-status", "Tilauksen tila", "Näet tilauksen tilan sovelluksesta kohdasta Tilaus.", language="fi"),
        Article("invoice", "Lasku", "Lasku on PDF-tiedostona kohdassa Ostot.", language="fi"),
        Article("password", "Unohtunut salasana", "Napauta Unohdin salasanan ja avaa linkki.", language="fi"),
    ],
    "it": [
        Article("invoice", "Scarica la fattura", "Trovi la fattura in PDF sotto Ordini.", language="it"),
        Article("refund", "Tempi di rimborso", "Il rimborso arriva entro 5 giorni lavorativi.", language="it"),
        Article("password", "Password dimenticata", "Tocca Password dimenticata e apri il link.", language="it"),
    ],
}
# An inflected form the articles never use, and the article whose other form of the word it must match.
INFLECTED = {"nl": ("pakketten", "lost-parcel"), "fi": ("tilaukseni", "order-status"), "it": ("fatture", "invoice")}


def lexical_best(retriever: Retriever, query: str) -> dict[str, float]:
    """The best BM25 score per article for a query, as the live index computes it."""
    snapshot, best = retriever._snapshot, {}
    for scores, entry_article in zip(snapshot.lexical.scores(query), snapshot.entry_article, strict=True):
        for row in np.flatnonzero(scores):
            article = snapshot.articles[entry_article[row]].id
            best[article] = max(best.get(article, 0.0), float(scores[row]))
    return best


def build(tmp_path: Path, embedder, articles: list[Article], name: str = "index") -> Retriever:
    """A retriever over a fresh index of `articles`."""
    retriever = Retriever.open(tmp_path / name, embedder=embedder, create=True)
    retriever.reindex(articles)
    return retriever


@pytest.mark.parametrize("language", sorted(KBS))
def test_an_inflected_form_matches_its_article_only_through_the_languages_stemming(tmp_path, embedder, language):
    word, article_id = INFLECTED[language]
    retriever = build(tmp_path, embedder, KBS[language])
    assert retriever._snapshot.manifest["language"] == language
    assert set(lexical_best(retriever, word)) == {article_id}
    as_english = [Article(a.id, a.title, a.body, language="en") for a in KBS[language]]
    assert lexical_best(build(tmp_path, embedder, as_english, "english"), word) == {}
    assert retriever.search(f"{word}?")["hits"][0]["article_id"] == article_id


def test_an_unknown_language_is_analysed_as_english_without_a_crash(tmp_path, embedder):
    articles = [Article(a.id, a.title, a.body, language="xx") for a in KBS["nl"]]
    retriever = build(tmp_path, embedder, articles)
    assert retriever._snapshot.manifest["language"] == "en"
    assert retriever.search("factuur")["hits"][0]["article_id"] == "invoice"
    assert analyzer_for("xx") is ENGLISH and analyzer_for(None) is ENGLISH and analyzer_for("nl-BE") is DUTCH


def test_an_index_that_changes_language_is_analysed_again(tmp_path, embedder):
    retriever = build(tmp_path, embedder, [Article(a.id, a.title, a.body, language="en") for a in KBS["nl"]])
    retriever.reindex(KBS["nl"])
    assert retriever._snapshot.manifest["language"] == "nl"
    assert set(lexical_best(retriever, "pakketten")) == {"lost-parcel"}


# A question sharing no word with its article, which the English model does not rank first in Dutch or Italian.
UNSHARED = {
    "nl": ("ik weet mijn inlogcode niet meer", "password"),
    "it": ("non ricordo la chiave per entrare", "password"),
}


@pytest.mark.parametrize("language", sorted(UNSHARED))
def test_dutch_and_italian_are_embedded_by_the_multilingual_model_which_matches_without_shared_words(
    tmp_path, language
):
    embedder = Embedder(model_dir_for(language))
    assert embedder.dim == 512 and "multilingual" in embedder.name
    retriever = build(tmp_path, embedder, KBS[language])
    query, article_id = UNSHARED[language]
    assert lexical_best(retriever, query) == {}
    assert retriever.search(query)["hits"][0]["article_id"] == article_id
    assert Retriever.open(tmp_path / "index").embedder.key == embedder.key  # a reader opens it with that model
    assert retriever.reindex(KBS[language], tune="always").embedded == []  # never tuned: nothing re-embedded


def test_english_and_finnish_keep_the_packaged_english_model_and_the_setting_overrides_every_language(monkeypatch):
    assert model_dir_for("en") == model_dir_for("fi") == model_dir_for(None) == default_model_dir()
    assert model_dir_for("nl") != default_model_dir()
    monkeypatch.setenv(MODEL_ENV, str(default_model_dir()))
    assert model_dir_for("nl") == model_dir_for("it") == default_model_dir()


def test_english_terms_are_the_words_as_written():
    assert ENGLISH.terms("My parcels haven't arrived, hub says E-204") == [
        "parcels",
        "haven",
        "t",
        "arrived",
        "hub",
        "says",
        "e-204",
        "e204",
        "204",
    ]
    assert Vocabulary(["parcel"]).knows("parcels") and not Vocabulary(["parcel"]).knows("pakketten")


def test_accents_are_folded_before_stemming_so_a_customer_may_leave_them_out():
    assert set(ITALIAN.terms("qualità perché")) == set(ITALIAN.terms("qualita perche")) == {"qual"}
    assert FINNISH.terms("päivällä")[0] == FINNISH.terms("paivalla")[0]


def test_unknown_words_weigh_by_the_index_languages_word_frequencies():
    dutch = Vocabulary(DUTCH.terms("pakket bezorgd"), DUTCH)
    assert dutch.knows("pakketten") and dutch.unknown_share("gewoon pakketten") < 0.1  # "gewoon" is everyday Dutch
    assert Vocabulary(["parcel"], ENGLISH).unknown_share("gewoon parcel") > 0.5  # rare in English
    assert dutch.unknown_share("zyxbrand pakket") > 0.5


def test_swap_negatives_draw_words_of_the_index_language():
    vocabulary = Vocabulary(DUTCH.terms("werkt de lamp met alexa"), DUTCH)
    swapped = swap_specific_word("werkt de lamp met alexa", vocabulary, np.random.default_rng(0))
    new_word = (set(swapped.split()) - {"werkt", "de", "lamp", "met", "alexa"}).pop()
    assert new_word in top_n_list("nl", 30_000) and not vocabulary.knows(new_word)


@pytest.mark.parametrize("language", ["nl", "it", "fi"])
def test_each_language_has_its_own_generic_negative_pool(language):
    pool = negative_pool(language)
    assert len(pool) >= 100 and not set(pool) & set(negative_pool("en"))
    assert analyzer_for(language).language == language
    assert negative_pool("xx") == negative_pool("en")
