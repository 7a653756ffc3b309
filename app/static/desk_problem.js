/* Marking the customer's messages that state the problem: they become the questions of the article drafted
   when the case is resolved. Every text is set with textContent. */
window.DeskProblem = (() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("desk-error"), action);
  let current = null; // the open conversation
  let marked = new Set(); // the seqs marked in it

  /** Load the marks of a conversation and show them on its messages. */
  async function open(conversationId) {
    current = conversationId;
    marked = new Set();
    const data = await attempt(() => api("GET", `/api/desk/conversations/${encodeURIComponent(conversationId)}/problem`));
    if (data && current === conversationId) show(data.seqs);
  }

  /** Give a customer's message its "Part of the problem" toggle. */
  function decorate(item, message) {
    if (message.sender !== "customer") return;
    const toggle = el("button", "secondary problem-mark", "Part of the problem");
    toggle.type = "button";
    toggle.dataset.seq = String(message.seq);
    toggle.setAttribute("aria-pressed", String(marked.has(message.seq)));
    toggle.addEventListener("click", () => flip(message.seq));
    item.append(toggle);
  }

  async function flip(seq) {
    const id = current;
    const url = `/api/desk/conversations/${encodeURIComponent(id)}/problem/${seq}`;
    const data = await attempt(() => api(marked.has(seq) ? "DELETE" : "PUT", url));
    if (data && current === id) show(data.seqs);
  }

  function show(seqs) {
    marked = new Set(seqs);
    document.querySelectorAll("#transcript .problem-mark").forEach((toggle) => {
      toggle.setAttribute("aria-pressed", String(marked.has(Number(toggle.dataset.seq))));
    });
  }

  return { open, decorate };
})();
