/* The KB editor: list and filter, edit with a live preview, lifecycle, history and revert, re-index progress. */
(() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("kb-error"), action);
  let current = null; // the article being edited (as last read or saved)
  let previewTimer = 0;

  /* ---- list ---- */

  async function loadList() {
    const params = new URLSearchParams({ q: $("q").value });
    if ($("status").value) params.set("status", $("status").value);
    if ($("tag").value.trim()) params.set("tag", $("tag").value.trim().toLowerCase());
    if ($("stale").checked) params.set("stale", "true");
    if ($("unhelpful").checked) params.set("unhelpful", "true");
    const data = await attempt(() => api("GET", "/api/kb/articles?" + params));
    if (!data) return;
    $("articles").replaceChildren(...data.articles.map(row));
    if (!data.articles.length) $("articles").append(el("li", "muted", "No article matches."));
  }

  function row(article) {
    const item = el("li", "row" + (current && current.id === article.id ? " current" : ""));
    const open = el("button", "secondary", article.title);
    open.type = "button";
    open.addEventListener("click", () => openArticle(article.id));
    const facts = [article.status.replace("_", " "), "v" + article.version];
    if (article.update_of) facts.push("proposed update of " + article.update_of);
    if (article.index_error) facts.push("index update failed");
    if (article.stale) facts.push("stale");
    item.append(open, el("span", "muted", facts.join(" · ")));
    return item;
  }

  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    loadList();
  });

  /* ---- editor ---- */

  async function openArticle(id) {
    const article = await attempt(() => api("GET", "/api/kb/articles/" + encodeURIComponent(id)));
    if (!article) return;
    show(article);
    loadList();
  }

  function show(article) {
    current = article;
    $("editor").hidden = false;
    $("empty").hidden = true;
    $("meta").textContent = `${article.id} · ${article.status.replace("_", " ")} · version ${article.version} · last saved by ${article.updated_by}` +
      (article.update_of ? ` · publishing this updates “${article.update_of}”` : "");
    $("title").value = article.title;
    $("tags").value = article.tags.join(", ");
    $("questions").value = (article.questions || []).join("\n");
    $("questions").rows = Math.max(4, (article.questions || []).length + 1); // every question in view
    $("impact").hidden = true;
    $("body").value = article.body || "";
    $("index-error").textContent = article.index_error || "";
    $("index-error").hidden = $("retry-index").hidden = !article.index_error;
    const cases = (article.cases || []).map((c) => `${c.case_number} (${c.relation})`).join(", ") || "none";
    $("figures").textContent = `Served by the bot ${article.served} times · helpful ${article.helpful} · not helpful ${article.not_helpful} · cases: ${cases}`;
    $("history").replaceChildren(...(article.history || []).map(versionItem));
    renderPreview();
    document.dispatchEvent(new CustomEvent("kb-article", { detail: article })); // kb_translations.js follows
  }

  function versionItem(version) {
    const item = el("li", "row");
    item.append(el("strong", "", `v${version.version} · ${version.status} · ${version.author} · ${version.note}`));
    item.append(el("span", "muted", new Date(version.created_at).toLocaleString()));
    if (version.diff) {
      const details = el("details");
      details.append(el("summary", "", "Changes"), el("pre", "diff", version.diff));
      item.append(details);
    }
    if (current && version.version !== current.version) {
      const back = el("button", "secondary", "Revert to this version");
      back.type = "button";
      back.addEventListener("click", async () => {
        const url = `/api/kb/articles/${encodeURIComponent(current.id)}/revert/${version.version}?version=${current.version}`;
        if (await attempt(() => api("POST", url))) openArticle(current.id);
      });
      item.append(back);
    }
    return item;
  }

  function edited() {
    return {
      version: current.version,
      title: $("title").value,
      body: $("body").value,
      tags: $("tags").value.split(/[,\s]+/).map((t) => t.trim().toLowerCase()).filter(Boolean),
      questions: $("questions").value.split("\n").map((q) => q.trim()).filter(Boolean),
    };
  }

  $("editor").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await attempt(() => api("PUT", "/api/kb/articles/" + encodeURIComponent(current.id), edited()))) openArticle(current.id);
  });

  async function moveTo(status, takeOver) {
    const url = `/api/kb/articles/${encodeURIComponent(current.id)}/status`;
    const body = { status, version: current.version, take_over: takeOver };
    const moved = await attempt(() => api("POST", url, body));
    if (moved) openArticle(moved.id);
  }

  document.querySelectorAll("#editor [data-status]").forEach((button) => {
    button.addEventListener("click", async () => {
      if (button.dataset.status !== "published") return moveTo(button.dataset.status, false);
      const impact = await checkImpact();
      if (impact && !impact.taken.length) moveTo("published", false);
    });
  });

  $("impact-confirm").addEventListener("click", () => moveTo("published", true));

  /* ---- publish impact: which questions would get this article instead of what they get today ---- */

  async function checkImpact() {
    $("impact").hidden = false;
    $("impact-confirm").hidden = $("impact-warning").hidden = true;
    $("impact-changes").replaceChildren();
    $("impact-status").textContent = "Checking which questions would get this article…";
    const impact = await attempt(() => api("POST", `/api/kb/articles/${encodeURIComponent(current.id)}/impact`));
    if (!impact) {
      $("impact-status").textContent = "";
      return null;
    }
    $("impact-status").textContent = impact.changes.length
      ? `Of ${impact.checked} questions checked, ${impact.changes.length} would get this article:`
      : `None of the ${impact.checked} questions checked would get this article instead of today's answer.`;
    $("impact-changes").replaceChildren(...impact.changes.map(changeItem));
    if (impact.taken.length) {
      const owners = [...new Set(impact.taken.map((c) => c.source_title))].join(", ");
      $("impact-warning").textContent = `Publishing takes ${impact.taken.length} question(s) that ${owners} answer(s) today. Publish only if this article should answer them.`;
      $("impact-warning").hidden = $("impact-confirm").hidden = false;
    }
    return impact;
  }

  function changeItem(change) {
    const item = el("li", change.takes_over ? "row taken" : "row");
    const whose = change.source === "customer" ? "a customer asked" : `a question of “${change.source_title}”`;
    item.append(el("strong", "", `“${change.question}”`), el("span", "muted", ` ${whose}`));
    const would = change.after === "answer" ? "would be answered by this article" : "would be offered this article among others";
    item.append(el("div", "", `Today: ${change.today} → ${would}`));
    return item;
  }

  $("retry-index").addEventListener("click", async () => {
    if (await attempt(() => api("POST", `/api/kb/articles/${encodeURIComponent(current.id)}/reindex`))) openArticle(current.id);
  });

  /* ---- live preview (rendered by the server exactly as the help centre will) ---- */

  function renderPreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(async () => {
      const rendered = await attempt(() => api("POST", "/api/kb/articles/preview", { body: $("body").value }));
      if (!rendered) return;
      const doc = new DOMParser().parseFromString(rendered.html, "text/html"); // server output has raw HTML off
      $("preview").replaceChildren(...doc.body.childNodes);
    }, 250);
  }
  $("body").addEventListener("input", renderPreview);

  /* ---- re-index with a progress bar ---- */

  $("reindex").addEventListener("click", async () => {
    const job = await attempt(() => api("POST", "/api/kb/reindex"));
    if (!job) return;
    $("reindex-progress").hidden = false;
    const poll = async () => {
      const state = await attempt(() => api("GET", job.status_url));
      if (!state) return;
      $("reindex-progress").max = Math.max(1, state.total || 1);
      $("reindex-progress").value = state.done || 0;
      $("reindex-status").textContent = `${state.state} · ${state.phase || ""} ${state.done || 0}/${state.total || 0}`;
      if (state.state === "running") setTimeout(poll, 500);
      else {
        $("reindex-progress").hidden = true;
        $("reindex-status").textContent = state.state === "succeeded" ? "Re-index done" : "Re-index failed: " + (state.error || "");
      }
    };
    poll();
  });

  loadList();
})();
