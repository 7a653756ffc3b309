"""A small Lumora knowledge base for the retrieval tests, and a helper to write article files."""

from __future__ import annotations

from pathlib import Path

ARTICLES = {
    "reset-password": (
        "Reset your password",
        ["account"],
        ["I forgot my password", "how do I change my login password", "password reset link not working"],
        "Open the Lumora app and tap **Sign in**, then **Forgot password**. We email you a reset link that "
        "works for 30 minutes.\n\n## The email does not arrive\n\nCheck your spam folder, then ask for a new link.",
    ),
    "two-factor": (
        "Turn on two-factor authentication",
        ["account", "security"],
        ["how do I enable 2FA", "set up an authenticator app for my account", "extra login security code"],
        "In **Settings → Security**, turn on two-factor authentication and scan the QR code with an authenticator app.",
    ),
    "refunds": (
        "Refunds",
        ["billing"],
        ["can I get my money back", "how long does a refund take", "refund for a returned item"],
        "Refunds go back to your original payment method within 5 business days of our receiving the return.",
    ),
    "invoices": (
        "Download an invoice",
        ["billing"],
        ["where can I find my invoice", "I need a receipt for my order", "VAT invoice for my company"],
        "Every order has a PDF invoice under **Orders → Invoice** in your account.",
    ),
    "delivery-times": (
        "Delivery times",
        ["orders"],
        ["when will my order arrive", "how long is shipping", "delivery is late"],
        "Standard delivery takes 2–4 business days; express delivery arrives the next business day.",
    ),
    "hub-e204": (
        "Hub error E-204",
        ["troubleshooting"],
        ["the hub cannot connect to the cloud", "hub light blinking orange", "hub offline after router change"],
        "E-204 means the Lumora Hub cannot reach the Lumora cloud. Restart your router, then hold the hub's "
        "button for 5 seconds.",
    ),
    "hub-e205": (
        "Hub error E-205",
        ["troubleshooting"],
        ["hub firmware update failed", "update stuck on the hub", "hub says update error"],
        "E-205 means a firmware update failed. Keep the hub plugged in and start the update again from the app.",
    ),
    "bulb-pairing": (
        "Pair a Lumora Bulb",
        ["troubleshooting", "setup"],
        ["my new bulb does not show up in the app", "how to connect a smart bulb", "bulb pairing fails"],
        "Switch the bulb off and on three times; it blinks when it is ready to pair. Then tap **Add device**.",
    ),
}

# Two articles a short question ("change my address") could equally mean: the search offers both.
CLOSE_PAIR = {
    "delivery-address": (
        "Change the delivery address of an order",
        ["orders"],
        ["change the address on my order", "my delivery address is wrong", "new address for my parcel"],
        "Before an order ships, open **Orders**, pick it and tap **Change delivery address**.",
    ),
    "billing-address": (
        "Change your billing address",
        ["billing"],
        ["change the address on my invoices", "my billing address is wrong", "new address for my card"],
        "Open **Account → Billing** and tap **Change billing address**; new invoices use it.",
    ),
}


def write_article(folder: Path, article_id: str, title: str, tags, questions, body: str) -> Path:
    """Write one article file and return its path."""
    lines = ["---", f"id: {article_id}", f"title: {title}", f"tags: [{', '.join(tags)}]", "questions:"]
    lines += [f"  - {q}" for q in questions]
    path = folder / f"{article_id}.md"
    path.write_text("\n".join(lines + ["---", body, ""]), encoding="utf-8")
    return path


# Some of ARTICLES in Dutch (same ids and tags): a KB's `translations/nl/`.
DUTCH = {
    "reset-password": (
        "Je wachtwoord opnieuw instellen",
        ["account"],
        ["ik ben mijn wachtwoord vergeten", "hoe wijzig ik mijn wachtwoord", "de herstellink werkt niet"],
        "Open de Lumora-app en tik op **Inloggen** en dan op **Wachtwoord vergeten**. We mailen je een link die "
        "30 minuten werkt.",
    ),
    "refunds": (
        "Terugbetalingen",
        ["billing"],
        [
            "krijg ik mijn geld terug",
            "hoe lang duurt een terugbetaling",
            "terugbetaling voor een geretourneerd artikel",
        ],
        "Terugbetalingen gaan binnen 5 werkdagen nadat we de retour hebben ontvangen naar je oorspronkelijke "
        "betaalmethode.",
    ),
    "invoices": (
        "Een factuur downloaden",
        ["billing"],
        ["waar vind ik mijn factuur", "ik heb een bon nodig voor mijn bestelling", "btw-factuur voor mijn bedrijf"],
        "Bij elke bestelling hoort een pdf-factuur onder **Bestellingen → Factuur** in je account.",
    ),
    "delivery-times": (
        "Levertijden",
        ["orders"],
        ["wanneer komt mijn bestelling aan", "hoe lang duurt de verzending", "mijn levering is te laat"],
        "Standaardlevering duurt 2–4 werkdagen; expreslevering komt de volgende werkdag aan.",
    ),
    "hub-e204": (
        "Hubfout E-204",
        ["troubleshooting"],
        [
            "de hub maakt geen verbinding met de cloud",
            "het lampje van de hub knippert oranje",
            "hub offline na nieuwe router",
        ],
        "E-204 betekent dat de Lumora Hub de Lumora-cloud niet kan bereiken. Start je router opnieuw op en houd dan "
        "de knop van de hub 5 seconden ingedrukt.",
    ),
}
