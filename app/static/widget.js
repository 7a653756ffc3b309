/* Swarmdesk chat widget. Embed with one tag: <script src="https://support.example/static/widget.js" defer></script> */
(() => {
  "use strict";
  if (window.SwarmdeskWidget) return; // embedded twice: keep the first one
  window.SwarmdeskWidget = { parts: {} }; // each part's script registers its factory here under its name

  const script = document.currentScript;
  const ORIGIN = new URL(script && script.src ? script.src : "/", window.location.href).origin;
  // widget_<part>.js: classic scripts from ORIGIN, so they load on any site and under our Content-Security-Policy
  const PARTS = ["language", "connection", "messages", "conversation", "panel"];
  const N_ = (text) => text; // marks a text for the catalogs (language/extract.py); tr() translates it when shown

  /** Read a key from localStorage or sessionStorage; null where the browser blocks storage. */
  function load(area, key) {
    try { return window[area].getItem(key); } catch { return null; }
  }

  /** Write a key (remove it when value is null); blocked storage only costs surviving a reload. */
  function save(area, key, value) {
    try { value === null ? window[area].removeItem(key) : window[area].setItem(key, value); } catch { /* blocked */ }
  }

  /** Parse JSON, or null when it is not JSON. */
  function parse(text) {
    try { return JSON.parse(text); } catch { return null; }
  }

  /** Create an element with a class, optional text (always as text, never as HTML) and attributes. */
  function el(tag, className, text, attrs = {}) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    return node;
  }

  /** Load a part's script from the widget's origin; resolves once it has run (and registered its factory). */
  function loadPart(name) {
    return new Promise((resolve, reject) => {
      const part = el("script");
      part.src = ORIGIN + "/static/widget_" + name + ".js";
      part.addEventListener("load", resolve);
      part.addEventListener("error", () => reject(new Error("could not load " + part.src)));
      document.head.append(part);
    });
  }

  /** Resolves once the page has a body to put the widget in. */
  function bodyReady() {
    if (document.body) return Promise.resolve();
    return new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve));
  }

  /** The widget: shared state (`chat`), elements (`ui`), helpers, and the parts' functions (they call each other on it). */
  function assemble() {
    // liveStates counts the socket's state frames: a reply older than the latest frame must not undo it
    const chat = { conversation: null, state: "bot", liveStates: 0 };
    const widget = { origin: ORIGIN, chat, ui: {}, N_, el, parse, load, save };
    for (const name of PARTS) Object.assign(widget, window.SwarmdeskWidget.parts[name](widget));
    return widget;
  }

  /** Build the widget, then restore a stored conversation (and an open panel) after a reload. */
  async function init() {
    const widget = assemble();
    widget.chat.conversation = widget.storedConversation();
    await widget.loadTexts();
    widget.build();
    widget.setState(widget.chat.state); // the header, the form and the controls show it
    if (widget.chat.conversation) widget.connect();
    widget.restoreOpen();
  }

  Promise.all([...PARTS.map(loadPart), bodyReady()])
    .then(init)
    .catch((error) => console.error("Swarmdesk chat widget:", error));
})();
