"""Every text Swarmdesk and its bot say to customers, from their sources: the bot's domain responses (texts and
button titles), the module constants named `*_TEXT`, `*_BUTTON(S)` or `*_LINK` (their strings; a button's or a
link's title only) of the files in `SOURCES`, the widget's texts marked `N_("…")` in `SCRIPTS` (Babel's
JavaScript extractor) and the customer pages' texts marked `_("…")` in `PAGES` (Jinja's Babel extractor).
`python -m language.extract` writes them to `locales/messages.pot`."""

import ast
import sys
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.pofile import write_po
from jinja2.ext import babel_extract

ROOT = Path(__file__).resolve().parents[1]
POT = Path(__file__).parent / "locales" / "messages.pot"
SOURCES = ("bot/actions/*.py", "handoff/**/*.py", "app/listeners/casework.py", "cases/views.py", "cases/emails.py")
SUFFIXES = ("_TEXT", "_BUTTON", "_BUTTONS", "_LINK")
SCRIPTS = (  # the widget's entry and its parts (widget.js loads them), then the survey card
    "app/static/widget.js",
    "app/static/widget_language.js",
    "app/static/widget_connection.js",
    "app/static/widget_messages.js",
    "app/static/widget_conversation.js",
    "app/static/widget_panel.js",
    "app/static/widget_survey.js",
)
PAGES = tuple(
    f"app/templates/{name}.html" for name in ("site_base", "survey", "help_index", "help_article", "help_languages")
)


def domain_texts(path: Path) -> list[str]:
    """The texts and button titles of the domain's responses."""
    responses = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {})
    texts = []
    for variations in responses.values():
        for variation in variations:
            texts += [variation.get("text", "")] + [b["title"] for b in variation.get("buttons", [])]
    return [text for text in texts if text]


def _value(node: ast.AST, known: dict[str, object]) -> object:
    """A constant expression's value: strings, their sums, names defined earlier, lists and dicts of them."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _value(node.left, known), _value(node.right, known)
        return left + right if isinstance(left, str) and isinstance(right, str) else None
    if isinstance(node, ast.List | ast.Tuple):
        return [_value(item, known) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_value(k, known): _value(v, known) for k, v in zip(node.keys, node.values, strict=True)}
    return None


def _strings(value: object) -> list[str]:
    """The customer-facing strings in a constant's value (a dict with a "title" is a button or link: its title)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [value["title"]] if "title" in value else [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def module_texts(path: Path) -> list[str]:
    """The strings of a module's `*_TEXT` / `*_BUTTON(S)` / `*_LINK` constants."""
    known: dict[str, object] = {}
    texts = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            known[name] = _value(node.value, known)
            if name.endswith(SUFFIXES):
                texts += _strings(known[name])
    return texts


def script_texts(path: Path) -> list[str]:
    """The texts a script marks with `N_("…")`."""
    with path.open("rb") as script:
        return [message for _, message, _, _ in extract("javascript", script, keywords={"N_": None})]


def page_texts(path: Path) -> list[str]:
    """The texts a page template marks with `_("…")`."""
    with path.open("rb") as page:
        return [message for _, _, message, _ in babel_extract(page, ("_",), [], {}) if isinstance(message, str)]


def all_texts(root: Path = ROOT) -> list[str]:
    """Every customer-facing text, each once, in source order."""
    texts = domain_texts(root / "bot" / "domain.yml")
    for pattern in SOURCES:
        for path in sorted(root.glob(pattern)):
            texts += module_texts(path)
    for script in SCRIPTS:
        texts += script_texts(root / script)
    for page in PAGES:
        texts += page_texts(root / page)
    return list(dict.fromkeys(texts))


def template(texts: list[str]) -> Catalog:
    """The catalog template of `texts` (no translations)."""
    catalog = Catalog(project="Swarmdesk", fuzzy=False)
    for text in texts:
        catalog.add(text)
    return catalog


def main() -> int:
    """Write locales/messages.pot."""
    texts = all_texts()
    with POT.open("wb") as out:
        write_po(out, template(texts), omit_header=True, width=0)
    print(f"{len(texts)} texts written to {POT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
