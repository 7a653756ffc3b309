/* Swarmdesk chat widget: the messages shown — sender, text, time, links, quick replies — and "… is typing". */
"use strict";

/** The messages part (widget.js assembles it): each message shown once, in seq order, in the panel's list. */
window.SwarmdeskWidget.parts.messages = (widget) => {
  const { chat, ui, el, N_ } = widget;
  const SENDERS = ["customer", "bot", "agent", "system"];
  const shown = new Set(); // seqs already rendered
  let lastSeq = 0;
  let typingTimer = 0; // hides "… is typing" when the agent stops

  /** Show a message once, in seq order, with its sender, links and quick replies. */
  function addMessage(message) {
    const seq = Number(message && message.seq);
    if (!Number.isFinite(seq) || shown.has(seq)) return;
    shown.add(seq);
    lastSeq = Math.max(lastSeq, seq);
    const sender = SENDERS.includes(message.sender) ? message.sender : "system";
    if (sender === "customer") ui.welcome.hidden = true; // the customer has started: the card made its offer
    const item = el("li", "sd-msg sd-" + sender, undefined, { "data-seq": String(seq) });
    if (sender === "bot" || sender === "agent") {
      const name = String(message.sender_name || widget.tr(sender === "bot" ? N_("Lumora assistant") : N_("Agent")));
      const from = el("div", "sd-from");
      from.append(el("span", "sd-avatar", initials(name), { "aria-hidden": "true" }), el("span", "sd-name", name));
      item.append(from);
    }
    if (message.text) item.append(el("p", "sd-text", String(message.text)));
    if (message.created_at) item.append(sentAt(new Date(message.created_at)));
    if (Array.isArray(message.links) && message.links.length) item.append(renderLinks(message.links));
    if (Array.isArray(message.buttons) && message.buttons.length) item.append(quickReplies(message.buttons));
    if (sender === "agent") ui.typing.hidden = true;
    const next = [...ui.messages.children].find((node) => Number(node.dataset.seq) > seq);
    ui.messages.insertBefore(item, next || null);
    ui.messages.scrollTop = ui.messages.scrollHeight;
  }

  /** The highest seq shown so far (0 before the first message). */
  function lastShownSeq() {
    return lastSeq;
  }

  /** Empty the list: a new chat shows none of the old one's messages. */
  function clearMessages() {
    shown.clear();
    lastSeq = 0;
    ui.messages.replaceChildren();
  }

  /** Up to two initials of a name, for its avatar ("Dana Desk" → "DD"). */
  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map((word) => word[0].toUpperCase()).join("");
  }

  /** When a message was sent: the time of day, the full date and time on hover (the visitor's time zone). */
  function sentAt(moment) {
    if (Number.isNaN(moment.getTime())) return document.createTextNode("");
    const node = el("time", "sd-time", moment.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
    node.dateTime = moment.toISOString();
    node.title = moment.toLocaleString([], { dateStyle: "full", timeStyle: "short" });
    return node;
  }

  /** Links built from the `links` field; only site paths and http(s) URLs get an href. */
  function renderLinks(links) {
    const list = el("ul", "sd-links");
    for (const link of links) {
      const url = String((link && link.url) || "");
      const title = String((link && link.title) || url);
      const item = el("li");
      if (url.startsWith("/") || url.startsWith("https://") || url.startsWith("http://")) {
        const anchor = el("a", "sd-link", title, { target: "_blank", rel: "noopener" });
        anchor.href = url.startsWith("/") ? widget.origin + url : url; // site paths live on the support origin
        item.append(anchor);
      } else {
        item.textContent = title;
      }
      list.append(item);
    }
    return list;
  }

  /** Quick-reply buttons; a click sends {text: title, payload} and disables this message's buttons. */
  function quickReplies(buttons) {
    const box = widget.label(el("div", "sd-quick-replies", undefined, { role: "group" }), undefined,
      { "aria-label": N_("Suggested replies") });
    for (const choice of buttons) {
      const title = String((choice && choice.title) || "");
      const node = el("button", "sd-quick-reply", title, { type: "button" });
      node.disabled = chat.state === "closed";
      node.addEventListener("click", () => {
        setDisabled(box, true);
        node.classList.add("sd-chosen"); // the answer stays visible on the buttons, not only as a line below
        widget.send(title, String((choice && choice.payload) ?? title), box);
      });
      box.append(node);
    }
    return box;
  }

  /** Enable or disable every button in a container. */
  function setDisabled(container, disabled) {
    container.querySelectorAll("button").forEach((node) => (node.disabled = disabled));
    if (!disabled) container.querySelectorAll(".sd-chosen").forEach((node) => node.classList.remove("sd-chosen")); // not sent
  }

  /** Show "<agent> is typing…" for a few seconds. */
  function showTyping(name) {
    ui.typing.textContent = widget.tr(N_("{name} is typing…"), { name: name || widget.tr(N_("The agent")) });
    ui.typing.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => (ui.typing.hidden = true), 4000);
  }

  return { addMessage, lastShownSeq, clearMessages, setDisabled, showTyping };
};
