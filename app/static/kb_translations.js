/* The KB editor's translations: for the open article, each language's status (missing, outdated, current) and a
   form to write or update that language's title, questions and answer. */
(() => {
  "use strict";
  const { el, api } = window.Staff;
  const $ = (id) => document.getElementById(id);
  const attempt = (action) => window.Staff.attempt($("translation-error"), action);
  const NAMES = { nl: "Dutch", it: "Italian", fi: "Finnish" };
  const SAYS = {
    missing: "missing",
    outdated: "outdated: translates an older version",
    current: "up to date",
  };
  let article = null; // the article open in the editor
  let editing = null; // the locale whose form is open

  const url = (locale) =>
    `/api/kb/articles/${encodeURIComponent(article.id)}/translations` + (locale ? "/" + locale : "");

  async function load() {
    const data = await attempt(() => api("GET", url()));
    if (!data) return;
    $("translations").replaceChildren(...data.translations.map(row));
  }

  function row(entry) {
    const item = el("li", "row translation-" + entry.status);
    item.append(el("strong", "", NAMES[entry.locale] || entry.locale), el("span", "muted", SAYS[entry.status]));
    const edit = el("button", "secondary", (entry.translation ? "Edit " : "Translate into ") + (NAMES[entry.locale] || entry.locale));
    edit.type = "button";
    edit.addEventListener("click", () => open(entry));
    item.append(edit);
    return item;
  }

  function open(entry) {
    editing = entry.locale;
    const translated = entry.translation || { title: "", body: "", questions: [] };
    $("translation-form").hidden = false;
    $("translation-legend").textContent = `${NAMES[entry.locale] || entry.locale} (${SAYS[entry.status]})`;
    $("translation-title").value = translated.title;
    $("translation-questions").value = translated.questions.join("\n");
    $("translation-body").value = translated.body;
    $("translation-title").focus();
  }

  $("translation-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = {
      title: $("translation-title").value,
      body: $("translation-body").value,
      questions: $("translation-questions").value.split("\n").map((q) => q.trim()).filter(Boolean),
    };
    if (await attempt(() => api("PUT", url(editing), body))) {
      $("translation-form").hidden = true;
      load();
    }
  });

  $("translation-cancel").addEventListener("click", () => {
    $("translation-form").hidden = true;
  });

  document.addEventListener("kb-article", (event) => {
    article = event.detail;
    $("translation-form").hidden = true;
    load();
  });
})();
