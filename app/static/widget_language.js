/* Swarmdesk chat widget: its texts in the customer's language (tr, label, relabel) and the language picker. */
"use strict";

/** The language part (widget.js assembles it): the picked language, its texts, and telling the server. */
window.SwarmdeskWidget.parts.language = (widget) => {
  const LANGUAGE_KEY = "swarmdesk.language"; // the language the customer picked
  const LANGUAGES = { en: "English", nl: "Nederlands", it: "Italiano", fi: "Suomi" };
  const { N_ } = widget;
  let language = pickedLanguage();
  let texts = {}; // English text → the same in `language` (GET /api/widget/texts)

  /** The language the customer picked before, else the browser's first one we serve, else English. */
  function pickedLanguage() {
    const kept = widget.load("localStorage", LANGUAGE_KEY);
    if (kept && LANGUAGES[kept]) return kept;
    const wanted = (navigator.languages || [navigator.language || "en"]).map((tag) => String(tag).slice(0, 2));
    return wanted.find((code) => LANGUAGES[code]) || "en";
  }

  /** A text of ours in the customer's language ({name} placeholders filled from `values`). */
  function tr(text, values = {}) {
    return (texts[text] || text).replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }

  /** Give an element one of our texts (and translated attributes), kept so a change of language relabels it. */
  function label(node, text, attrs = {}) {
    if (text !== undefined) {
      node.dataset.sdText = text;
      node.textContent = tr(text);
    }
    if (Object.keys(attrs).length) node.dataset.sdAttrs = JSON.stringify(attrs);
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, tr(value));
    return node;
  }

  /** Our texts in `language` (English: none to fetch; unreachable: English too). */
  async function loadTexts() {
    texts = {};
    if (language === "en") return;
    const response = await fetch(widget.origin + "/api/widget/texts?language=" + language).catch(() => null);
    const data = response && response.ok ? await response.json().catch(() => null) : null;
    texts = (data && data.texts) || {};
  }

  /** Show every labelled element in the language now chosen. */
  function relabel() {
    for (const node of document.querySelectorAll("#swarmdesk-root [data-sd-text], #swarmdesk-root [data-sd-attrs]")) {
      label(node, node.dataset.sdText, widget.parse(node.dataset.sdAttrs || "{}") || {});
    }
  }

  /** Tell the server the language of the chat (best effort: it detects one otherwise). */
  function tellLanguage() {
    return widget.api("PUT", widget.path("/language"), { language }).catch(() => null);
  }

  /** A new chat: tell the server the language the customer picked before, if they picked one. */
  async function tellPickedLanguage() {
    if (widget.load("localStorage", LANGUAGE_KEY)) await tellLanguage();
  }

  /** The customer picked a language: the widget and (from now on) the bot and the team speak it. */
  async function chooseLanguage(code) {
    language = LANGUAGES[code] ? code : "en";
    widget.save("localStorage", LANGUAGE_KEY, language);
    await loadTexts();
    relabel();
    if (widget.chat.conversation) await tellLanguage();
  }

  /** The header's language picker, showing the language in use. */
  function languagePicker() {
    const picker = label(widget.el("select", "sd-language", undefined, { id: "swarmdesk-language" }), undefined,
      { "aria-label": N_("Language") });
    for (const [code, name] of Object.entries(LANGUAGES)) picker.append(widget.el("option", "", name, { value: code }));
    picker.value = language;
    picker.addEventListener("change", () => chooseLanguage(picker.value));
    return picker;
  }

  /** The language the widget shows now. */
  function shownLanguage() {
    return language;
  }

  return { tr, label, loadTexts, tellPickedLanguage, languagePicker, shownLanguage };
};
