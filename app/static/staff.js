/* Helpers every staff page shares (desk, swarms, rooms, KB editor): elements, the JSON API, error display. */
window.Staff = (() => {
  "use strict";
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const CSRF = csrfMeta ? csrfMeta.content : "";

  /** A new element with a class and text (text is never parsed as HTML). */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** Call the JSON API with the CSRF token; throw an Error carrying the server's reason (fields named). */
  async function api(method, url, body) {
    const response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return null;
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      /** The field a refusal names: its location after "body", without the form a body was read as ("share=skill"). */
      const fieldOf = (loc) => (loc || []).slice(1).filter((part) => !String(part).includes("=")).join(".");
      const detail = Array.isArray(data.detail)
        ? data.detail.map((e) => fieldOf(e.loc) + ": " + e.msg).join("; ")
        : data.detail || response.statusText;
      throw new Error(detail);
    }
    return data;
  }

  /** Run `action`; on failure show its reason in `errorNode` and resolve to null. */
  async function attempt(errorNode, action) {
    try {
      errorNode.hidden = true;
      return await action();
    } catch (error) {
      errorNode.textContent = error.message;
      errorNode.hidden = false;
      return null;
    }
  }

  const RELATIVE = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

  /** "now", "3 minutes ago", "2 hours ago", or the date and time when older than a day (viewer's time zone). */
  function ago(moment) {
    const seconds = Math.round((moment.getTime() - Date.now()) / 1000);
    if (Math.abs(seconds) < 45) return RELATIVE.format(0, "second");
    if (Math.abs(seconds) < 3600) return RELATIVE.format(Math.round(seconds / 60), "minute");
    if (Math.abs(seconds) < 86400) return RELATIVE.format(Math.round(seconds / 3600), "hour");
    return moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  /** A <time> for an ISO instant: how long ago, the exact local time on hover; kept current while shown. */
  function when(iso) {
    const moment = new Date(iso);
    const node = el("time", "when", ago(moment));
    node.dateTime = moment.toISOString();
    node.title = moment.toLocaleString(undefined, { dateStyle: "full", timeStyle: "long" });
    return node;
  }

  setInterval(() => document.querySelectorAll("time.when").forEach((n) => (n.textContent = ago(new Date(n.dateTime)))), 30_000);

  return { el, api, attempt, when };
})();
