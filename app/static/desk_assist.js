/* The desk's assist panel for the open chat: KB articles and past resolved cases that match the customer's problem,
   loaded again (debounced) after each customer message. Every text is set with textContent. */
window.DeskAssist = (() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("desk-error"), action);
  const SETTLE_MS = 800; // a burst of customer lines (or the transcript loading) makes one request
  const RETRY_MS = 5000; // an index being built answers 503: ask again after this
  let current = null; // the conversation whose suggestions are shown
  let timer = null;

  const chatUrl = (suffix) => `/api/desk/conversations/${encodeURIComponent(current)}${suffix}`;

  /** Show the suggestions for a conversation (once its first lines have arrived). */
  function open(conversationId) {
    current = conversationId;
    $("assist-articles").replaceChildren();
    $("assist-cases").replaceChildren();
    say("Looking for articles and past cases…");
    refreshSoon(0);
  }

  /** Load the suggestions after `wait` ms, unless asked again before. */
  function refreshSoon(wait = SETTLE_MS) {
    clearTimeout(timer);
    timer = setTimeout(load, wait);
  }
  document.addEventListener("desk:customer-message", (event) => event.detail === current && refreshSoon());

  async function load() {
    const id = current;
    if (!id) return;
    let data;
    try {
      data = await api("GET", chatUrl("/assist"));
    } catch (error) {
      if (id !== current) return;
      say("Suggestions are not available right now: " + error.message);
      return refreshSoon(RETRY_MS);
    }
    if (id !== current) return;
    $("assist-articles").replaceChildren(...data.articles.map(articleRow));
    $("assist-cases").replaceChildren(...data.cases.map(caseRow));
    $("assist-articles-title").hidden = !data.articles.length;
    $("assist-cases-title").hidden = !data.cases.length;
    say(data.articles.length || data.cases.length ? "" : "No article or past case matches this yet.");
  }

  function say(text) {
    $("assist-status").textContent = text;
    $("assist-status").hidden = !text;
  }

  function button(text, onClick) {
    const node = el("button", "secondary", text);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  function articleRow(article) {
    const item = el("li", "row");
    const link = el("a", "", article.title);
    link.href = article.url;
    link.target = "_blank";
    link.rel = "noopener";
    item.append(link, el("p", "assist-text", article.snippet));
    const actions = el("div", "assist-actions");
    actions.append(
      button("Send link", () => sendLink(article)),
      button("Insert answer", () => insert(article.snippet)),
    );
    item.append(actions);
    return item;
  }

  /** Send the customer the article's help-centre link, as the agent, through the desk's message route. */
  async function sendLink(article) {
    const id = current;
    const text = `${article.title}: ${new URL(article.url, location.origin).href}`;
    const sent = await attempt(() => api("POST", chatUrl("/messages"), { text }));
    if (sent && id === current) document.dispatchEvent(new CustomEvent("desk:sent", { detail: sent }));
  }

  /** Put an answer into the reply box for the agent to edit and send. */
  function insert(text) {
    const reply = $("reply");
    reply.value = reply.value.trim() ? `${reply.value.trimEnd()}\n${text}` : text;
    reply.focus();
  }

  function caseRow(found) {
    const item = el("li", "row");
    item.append(el("strong", "", `${found.number} · ${found.subject}`), el("p", "assist-text", found.resolution));
    return item;
  }

  return { open };
})();
