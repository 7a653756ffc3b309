/* Canned replies in the desk's reply box: "/" at the start opens a list filtered by what follows ("/refund"); arrow
   keys move, Enter picks, Escape closes. A picked reply comes filled in for the open chat by the server; a
   placeholder it has no value for is flagged beside the box and the send is held until the agent edits the text
   (sent raw anyway, the server refuses it). Every text is set with textContent. */
window.DeskCanned = (() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const box = $("reply");
  const list = $("canned-list");
  const flag = $("reply-flag");
  let current = null; // the open conversation
  let replies = []; // the canned replies this agent may use
  let shown = []; // those the list shows now
  let active = -1; // the highlighted one in `shown`
  let held = false; // a filled reply with a placeholder left is in the box, not yet edited

  const WORDS = { customer_name: "the customer's name", case_number: "a case number", agent_name: "your name" };

  /** A new chat is open: no flag, no list. */
  function open(conversationId) {
    current = conversationId;
    close();
    showFlag("");
    held = false;
  }

  async function load() {
    const data = await api("GET", "/api/canned").catch(() => null);
    if (data) replies = data.replies;
    if (!list.hidden) render();
  }

  /** What follows the "/" that opens the list, or null when the box does not start with one. */
  function query() {
    const value = box.value;
    return value.startsWith("/") && !value.includes("\n") ? value.slice(1).trim().toLowerCase() : null;
  }

  /** The replies matching `q`: titles starting with it first, then titles, then texts containing it. */
  function matching(q) {
    const rank = (r) => (r.title.toLowerCase().startsWith(q) ? 0 : r.title.toLowerCase().includes(q) ? 1 : 2);
    return replies
      .filter((r) => !q || r.title.toLowerCase().includes(q) || r.text.toLowerCase().includes(q))
      .sort((a, b) => rank(a) - rank(b));
  }

  function option(reply, index) {
    const item = el("li", "canned-option");
    item.id = "canned-opt-" + reply.id;
    item.setAttribute("role", "option");
    item.setAttribute("aria-selected", String(index === active));
    const preview = reply.text.length > 90 ? reply.text.slice(0, 89) + "…" : reply.text;
    item.append(el("strong", "", reply.title), el("span", "muted", preview));
    item.addEventListener("mousedown", (event) => event.preventDefault()); // keep the focus in the box
    item.addEventListener("click", () => pick(reply));
    return item;
  }

  function render() {
    const q = query();
    if (q === null) return close();
    shown = matching(q);
    active = shown.length ? Math.min(Math.max(active, 0), shown.length - 1) : -1;
    const items = shown.map(option);
    if (!items.length) {
      const none = el("li", "muted", replies.length ? "No canned reply matches “" + q + "”" : "No canned replies yet");
      none.setAttribute("role", "option");
      none.setAttribute("aria-disabled", "true");
      none.setAttribute("aria-selected", "false");
      items.push(none);
    }
    list.replaceChildren(...items);
    list.hidden = false;
    if (active >= 0) {
      box.setAttribute("aria-activedescendant", "canned-opt-" + shown[active].id);
      $("canned-opt-" + shown[active].id).scrollIntoView({ block: "nearest" });
    } else box.removeAttribute("aria-activedescendant");
  }

  function openList() {
    if (list.hidden) {
      active = 0;
      load();
    }
    render();
  }

  function close() {
    list.hidden = true;
    list.replaceChildren();
    shown = [];
    active = -1;
    box.removeAttribute("aria-activedescendant");
  }

  function showFlag(text) {
    flag.textContent = text;
    flag.hidden = !text;
  }

  /** Put the reply, filled in for the open chat, in the box; flag what could not be filled. */
  async function pick(reply) {
    close();
    const id = current;
    const url = `/api/desk/conversations/${encodeURIComponent(id)}/canned/${reply.id}/filled`;
    let filled;
    try {
      filled = await api("GET", url);
    } catch (error) {
      return showFlag(error.message);
    }
    if (id !== current) return;
    box.value = filled.text;
    box.focus();
    held = filled.missing.length > 0;
    if (!held) return showFlag("");
    const names = filled.missing.map((name) => "{" + name + "} (" + (WORDS[name] || name) + ")");
    showFlag("Not sent yet: this chat has no value for " + names.join(", ") + ". Edit the reply, then send it.");
    const at = filled.text.indexOf("{" + filled.missing[0] + "}");
    box.setSelectionRange(at, at + filled.missing[0].length + 2); // typing replaces the first one
  }

  /** True while the send must wait for the agent to edit a flagged reply (the flag says why). */
  function holds() {
    if (held) flag.hidden = false;
    return held;
  }

  box.addEventListener("input", () => {
    if (held) {
      held = false;
      showFlag("");
    }
    if (query() === null) close();
    else openList();
  });
  box.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (shown.length) active = (active + (event.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length;
      render();
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault(); // picks, never sends the "/…" typed so far
      if (active >= 0) pick(shown[active]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (event.key === "Tab") close();
  });
  box.addEventListener("blur", close);
  $("canned-open").addEventListener("click", () => {
    if (!box.value.startsWith("/")) box.value = "/";
    box.focus();
    openList();
  });

  return { open, holds, refused: showFlag, sent: () => showFlag("") };
})();
