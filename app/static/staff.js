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
      const detail = Array.isArray(data.detail)
        ? data.detail.map((e) => (e.loc || []).slice(1).join(".") + ": " + e.msg).join("; ")
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

  return { el, api, attempt };
})();
