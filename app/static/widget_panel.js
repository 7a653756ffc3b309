/* Swarmdesk chat widget: the launcher and the panel — their elements, opening and closing, the welcome card. */
"use strict";

/** The panel part (widget.js assembles it): builds every element into `widget.ui` and wires the controls. */
window.SwarmdeskWidget.parts.panel = (widget) => {
  const { ui, el, N_ } = widget;
  const OPEN_KEY = "swarmdesk.open";
  const WELCOME_TEXT = N_("Hi! Ask about your Lumora devices, orders or Lumora Plus. A person can take over whenever you need one.");

  /** Build the launcher and the panel, and inject the stylesheet from the script's own origin. */
  function build() {
    const { label } = widget;
    const css = el("link", "", undefined, { rel: "stylesheet" });
    css.href = widget.origin + "/static/widget.css";
    const survey = el("script", "", undefined, { defer: "" }); // widget_survey.js: the card shown when a chat closes
    survey.src = widget.origin + "/static/widget_survey.js";
    survey.addEventListener("load", widget.offerSurvey); // a chat that closed before the survey's script came
    document.head.append(css, survey);
    const root = el("div", "", undefined, { id: "swarmdesk-root" });
    ui.launcher = label(el("button", "sd-launcher", undefined, { id: "swarmdesk-launcher", type: "button",
      "aria-expanded": "false", "aria-controls": "swarmdesk-panel" }), N_("Chat"), { "aria-label": N_("Open chat") });
    ui.panel = label(el("section", "sd-panel", undefined, { id: "swarmdesk-panel", role: "dialog", hidden: "" }),
      undefined, { "aria-label": N_("Chat with Lumora support") });
    const header = el("header", "sd-header");
    const titles = el("div", "sd-titles");
    ui.state = el("p", "sd-state", undefined, { id: "swarmdesk-state" }); // its text: the conversation's setState
    titles.append(label(el("h2", "sd-title"), N_("Lumora support")), ui.state);
    ui.end = label(el("button", "sd-end", undefined, { id: "swarmdesk-end", type: "button" }), N_("End chat"));
    const close = label(el("button", "sd-close", "×", { type: "button" }), undefined, { "aria-label": N_("Close chat") });
    header.append(titles, widget.languagePicker(), ui.end, close);
    ui.messages = label(el("ol", "sd-messages", undefined, { id: "swarmdesk-messages", "aria-live": "polite", tabindex: "0" }),
      undefined, { "aria-label": N_("Messages") });
    ui.error = el("p", "sd-error", undefined, { id: "swarmdesk-error", role: "alert", hidden: "" });
    const form = el("form", "sd-form");
    ui.input = label(el("input", "sd-input", undefined, { id: "swarmdesk-input", type: "text", maxlength: "4000",
      autocomplete: "off" }), undefined, { placeholder: N_("Type your message…") });
    ui.send = label(el("button", "sd-send", undefined, { id: "swarmdesk-send", type: "submit" }), N_("Send"));
    const inputLabel = label(el("label", "sd-visually-hidden", undefined, { for: "swarmdesk-input" }), N_("Your message"));
    form.append(inputLabel, ui.input, ui.send);
    ui.restart = label(el("button", "sd-restart", undefined, { id: "swarmdesk-restart", type: "button", hidden: "" }),
      N_("Start a new chat"));
    ui.survey = label(el("section", "sd-survey", undefined, { id: "swarmdesk-survey", hidden: "" }), undefined,
      { "aria-label": N_("Survey") });
    ui.typing = el("p", "sd-typing", undefined, { id: "swarmdesk-typing", "aria-live": "polite", hidden: "" });
    ui.welcome = el("div", "sd-welcome", undefined, { id: "swarmdesk-welcome" });
    ui.forget = label(el("button", "sd-forget", undefined, { id: "swarmdesk-forget", type: "button" }),
      N_("Forget me on this browser"));
    ui.welcome.append(label(el("p", "sd-welcome-text"), WELCOME_TEXT), ui.forget);
    ui.panel.append(header, ui.welcome, ui.messages, ui.typing, ui.error, ui.survey, form, ui.restart);
    root.append(ui.panel, ui.launcher);
    document.body.appendChild(root);

    ui.launcher.addEventListener("click", () => setOpen(ui.panel.hidden));
    close.addEventListener("click", () => setOpen(false));
    root.addEventListener("keydown", (event) => event.key === "Escape" && !ui.panel.hidden && setOpen(false));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      widget.send(ui.input.value);
    });
    ui.end.addEventListener("click", widget.confirmEnd);
    ui.forget.addEventListener("click", widget.forgetMe);
    ui.restart.addEventListener("click", widget.restart);
    ui.input.addEventListener("input", widget.sendTyping);
  }

  /** Open or close the panel (remembered for this tab); the first open creates the conversation. */
  function setOpen(open, moveFocus = true) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    widget.save("sessionStorage", OPEN_KEY, open ? "1" : "0");
    if (!open) return moveFocus && ui.launcher.focus();
    if (moveFocus) (ui.input.disabled ? ui.restart : ui.input).focus();
    ui.messages.scrollTop = ui.messages.scrollHeight;
    if (!widget.chat.conversation) widget.start();
    if (!ui.welcome.dataset.loaded) showTopics();
  }

  /** After a reload: open the panel again (without taking the focus) if it was open in this tab. */
  function restoreOpen() {
    if (widget.load("sessionStorage", OPEN_KEY) === "1") setOpen(true, false);
  }

  /** The welcome card's quick topics: the help articles the bot answers most; picking one asks its question. */
  async function showTopics() {
    ui.welcome.dataset.loaded = "1";
    const data = await widget.api("GET", "/api/widget/topics").catch(() => null); // no topics: the greeting alone
    if (!data || !Array.isArray(data.topics) || !data.topics.length) return;
    const box = widget.label(el("div", "sd-topics", undefined, { role: "group" }), undefined,
      { "aria-label": N_("Popular topics") });
    for (const topic of data.topics) {
      const node = el("button", "sd-quick-reply", String(topic.title || ""), { type: "button" });
      node.addEventListener("click", () => widget.send(String(topic.question || topic.title || "")));
      box.append(node);
    }
    ui.forget.before(box);
  }

  /** Show the inline error line, or hide it when text is empty. */
  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  return { build, restoreOpen, showError };
};
