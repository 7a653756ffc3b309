/* The desk's context panel for the open chat: why it came to a person, its cases, the customer's history,
   internal notes. Every text is set with textContent. */
window.DeskContext = (() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("desk-error"), action);
  const CASE_STATUSES = [ // the API's names, and what the agent reads
    ["new", "new"], ["open", "open"], ["pending_customer", "waiting on the customer"], ["resolved", "resolved"],
    ["closed", "closed"],
  ];
  let current = null; // the conversation whose context is shown
  const chatUrl = (suffix) => `/api/desk/conversations/${encodeURIComponent(current)}${suffix}`;

  /** Show the context of a conversation. */
  function open(conversationId) {
    current = conversationId;
    $("case-saved").textContent = "";
    loadContext();
    loadNotes();
  }

  async function loadContext() {
    const id = current;
    const data = await attempt(() => api("GET", chatUrl("/context")));
    if (!data || id !== current) return;
    document.dispatchEvent(new CustomEvent("desk:customer", { detail: data.customer })); // a case may have named them
    renderPacket(data.handoff, data.language_name);
    $("cases").replaceChildren(...data.cases.map(caseRow));
    if (data.customer_email) $("case-email").value = data.customer_email;
    const history = data.earlier_cases.map((c) => el("li", "row", `${c.number} · ${c.status} · ${c.subject}`));
    data.earlier_conversations.forEach((c) => history.push(el("li", "row muted", "Chat " + c.slice(0, 8))));
    if (!history.length) history.push(el("li", "muted", "Nothing earlier on record."));
    $("history").replaceChildren(...history);
  }

  function renderPacket(handoff, languageName) {
    const rows = [];
    const add = (term, value) => rows.push(el("dt", "", term), value instanceof Node ? value : el("dd", "", value));
    add("Language", languageName);
    if (!handoff) {
      add("Reason", "—");
    } else {
      const packet = handoff.packet || {};
      add("Reason", handoff.reason.replace(/_/g, " "));
      add("Skill", handoff.skill || "any");
      add("Summary", packet.summary || "—");
      const intents = el("dd");
      (packet.recent_messages || []).forEach((m) => {
        const ranked = (m.intents || []).map((i) => `${i.intent} ${Math.round(i.confidence * 100)}%`).join(", ");
        intents.append(el("div", "", `“${m.text}” → ${ranked || "no intent"}`));
      });
      add("Intents", intents);
      const articles = el("dd");
      (packet.kb_articles_tried || []).forEach((a) => {
        const score = typeof a.score === "number" ? ` (${a.score.toFixed(2)})` : "";
        articles.append(el("div", "", (a.title || a.article_id || "article") + score));
      });
      if (!articles.childNodes.length) articles.textContent = "none";
      add("KB articles tried", articles);
    }
    $("packet").replaceChildren(...rows);
  }

  function caseRow(found) {
    const item = el("li", "row");
    item.append(el("strong", "", found.number), el("span", "", found.subject));
    item.append(statusForm(found));
    const swarm = el("button", "secondary", "Start a swarm");
    swarm.type = "button";
    swarm.addEventListener("click", async () => {
      const started = await attempt(() => api("POST", "/api/swarms", { case_number: found.number, conversation_id: current }));
      if (started) window.open(started.url, "_blank", "noopener");
    });
    item.append(swarm);
    return item;
  }

  /** A case's status as a form: choosing "resolved" asks for the note the customer gets; Save sends it. */
  function statusForm(found) {
    const form = el("form", "inline case-status");
    const select = el("select");
    select.setAttribute("aria-label", "Status of " + found.number);
    CASE_STATUSES.forEach(([value, label]) => {
      const option = el("option", "", label);
      option.value = value;
      option.selected = value === found.status;
      select.append(option);
    });
    const note = el("textarea", "resolution");
    note.setAttribute("aria-label", "Resolution note for the customer on " + found.number);
    note.placeholder = "Resolution note for the customer";
    note.maxLength = 4000;
    note.hidden = true;
    select.addEventListener("change", () => {
      note.hidden = select.value !== "resolved";
      if (!note.hidden) note.focus();
    });
    const save = el("button", "secondary", "Save status");
    save.type = "submit";
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { version: found.version, status: select.value };
      if (select.value === "resolved") body.resolution = note.value.trim();
      const saved = await attempt(() => api("PATCH", `/api/cases/${encodeURIComponent(found.number)}`, body));
      if (!saved) return;
      await loadContext();
      $("case-saved").textContent = `${found.number} is now ${select.selectedOptions[0].textContent}.`;
    });
    form.append(select, note, save);
    return form;
  }

  $("case-new").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { customer_email: $("case-email").value, subject: $("case-subject").value };
    if (await attempt(() => api("POST", chatUrl("/case"), body))) {
      $("case-subject").value = "";
      loadContext();
    }
  });
  $("case-link").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await attempt(() => api("POST", chatUrl("/case/link"), { number: $("case-number").value.trim() }))) {
      $("case-number").value = "";
      loadContext();
    }
  });

  async function loadNotes() {
    const id = current;
    const data = await attempt(() => api("GET", chatUrl("/notes")));
    if (!data || id !== current) return;
    $("notes").replaceChildren(...data.notes.map((n) => el("li", "row", `${n.author}: ${n.text}`)));
  }

  $("note-new").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (text && (await attempt(() => api("POST", chatUrl("/notes"), { text })))) {
      $("note-text").value = "";
      loadNotes();
    }
  });

  return { open };
})();
