/* The desk's context panel for the open chat: why it came to a person, its cases, the customer's history,
   internal notes. Every text is set with textContent. */
window.DeskContext = (() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("desk-error"), action);
  const CASE_STATUSES = ["new", "open", "pending", "resolved", "closed"];
  let current = null; // the conversation whose context is shown
  const chatUrl = (suffix) => `/api/desk/conversations/${encodeURIComponent(current)}${suffix}`;

  /** Show the context of a conversation. */
  function open(conversationId) {
    current = conversationId;
    loadContext();
    loadNotes();
  }

  async function loadContext() {
    const id = current;
    const data = await attempt(() => api("GET", chatUrl("/context")));
    if (!data || id !== current) return;
    renderPacket(data.handoff);
    $("cases").replaceChildren(...data.cases.map(caseRow));
    if (data.customer_email) $("case-email").value = data.customer_email;
    const history = data.earlier_cases.map((c) => el("li", "row", `${c.number} · ${c.status} · ${c.subject}`));
    data.earlier_conversations.forEach((c) => history.push(el("li", "row muted", "Chat " + c.slice(0, 8))));
    if (!history.length) history.push(el("li", "muted", "Nothing earlier on record."));
    $("history").replaceChildren(...history);
  }

  function renderPacket(handoff) {
    const rows = [];
    const add = (term, value) => rows.push(el("dt", "", term), value instanceof Node ? value : el("dd", "", value));
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
    const select = el("select");
    select.setAttribute("aria-label", "Status of " + found.number);
    CASE_STATUSES.forEach((s) => {
      const option = el("option", "", s);
      option.selected = s === found.status;
      select.append(option);
    });
    select.addEventListener("change", async () => {
      const body = { version: found.version, status: select.value };
      if (select.value === "resolved") body.resolution = prompt("Resolution note for the customer:") || "";
      await attempt(() => api("PATCH", `/api/cases/${encodeURIComponent(found.number)}`, body));
      loadContext();
    });
    item.append(select);
    const swarm = el("button", "secondary", "Start a swarm");
    swarm.type = "button";
    swarm.addEventListener("click", async () => {
      const started = await attempt(() => api("POST", "/api/swarms", { case_number: found.number, conversation_id: current }));
      if (started) window.open(started.url, "_blank", "noopener");
    });
    item.append(swarm);
    return item;
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
