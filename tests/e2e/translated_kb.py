"""The e2e KB's translations: the sample KB's Dutch articles, and its delivery article in Italian and Finnish too."""

from pathlib import Path

from tests.retrieval.sample_kb import DUTCH, write_article

DELIVERY = {
    "it": (
        "Tempi di consegna",
        ["orders"],
        ["quando arriva il mio ordine", "quanto dura la spedizione", "la consegna è in ritardo"],
        "La consegna standard richiede 2–4 giorni lavorativi; la consegna espressa arriva il giorno lavorativo "
        "successivo.",
    ),
    "fi": (
        "Toimitusajat",
        ["orders"],
        ["milloin tilaukseni saapuu", "kuinka kauan toimitus kestää", "toimitus on myöhässä"],
        "Vakiotoimitus kestää 2–4 arkipäivää; pikatoimitus saapuu seuraavana arkipäivänä.",
    ),
}


def write_translations(kb: Path) -> None:
    """Write the translations under `kb/translations/<language>/`, as a translator would."""
    translated = {"nl": DUTCH} | {language: {"delivery-times": article} for language, article in DELIVERY.items()}
    for language, articles in translated.items():
        folder = kb / "translations" / language
        folder.mkdir(parents=True, exist_ok=True)
        for article_id, (title, tags, questions, body) in articles.items():
            write_article(folder, article_id, title, tags, questions, body)
