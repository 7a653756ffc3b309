/* Swarmdesk chat widget: the one-question survey shown when a chat closes (the widget loads it and calls show). */
(() => {
  "use strict";
  const N_ = (text) => text; // marks a text for the catalogs (language/extract.py); `tr` (the widget's) translates
  const QUESTIONS = [ // as handoff/survey.py asks them
    { name: "csat", text: N_("How satisfied are you with the help you got?"), top: 5, low: N_("Very unsatisfied"),
      high: N_("Very satisfied") },
    { name: "ces", text: N_("How easy was it to get your problem solved?"), top: 7, low: N_("Very difficult"),
      high: N_("Very easy") },
  ];
  const THANKS_TEXT = N_("Thank you for your feedback!");
  const FAILED_TEXT = N_("Sorry, your answer did not reach us. Please try again.");
  let tr = (text) => text; // the widget gives its translator with show()

  /** Create an element with a class, optional text (always as text) and attributes. */
  function el(tag, className, text, attrs = {}) {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) node.textContent = text;
    for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
    return node;
  }

  /** Ask QUESTIONS[index] in `card`: a button per score and "No thanks". CSAT answered leads to CES; CES answered
   * or passed ends with thanks; CSAT passed ends the survey. `answer(question, score)` stores one (a promise; a
   * 409 means it was answered before, which counts as answered). */
  function ask(card, answer, index) {
    const question = QUESTIONS[index];
    const id = "swarmdesk-survey-" + question.name;
    const label = el("p", "sd-survey-question", tr(question.text), { id, tabindex: "-1" });
    const scale = el("div", "sd-survey-scale", undefined, { role: "group", "aria-labelledby": id });
    const status = el("p", "sd-survey-status", undefined, { role: "status" });
    for (let score = 1; score <= question.top; score += 1) {
      const end = score === 1 ? ": " + tr(question.low) : score === question.top ? ": " + tr(question.high) : "";
      const of = tr(N_("{score} of {top}")).replace("{score}", score).replace("{top}", question.top);
      const button = el("button", "sd-survey-score", String(score),
        { type: "button", "aria-label": of + end, "data-score": String(score) });
      button.addEventListener("click", () => submit(score));
      scale.append(button);
    }
    const ends = el("p", "sd-survey-ends");
    ends.append(el("span", "", "1 = " + tr(question.low)), el("span", "", question.top + " = " + tr(question.high)));
    const skip = el("button", "sd-survey-skip", tr(N_("No thanks")), { type: "button" });
    skip.addEventListener("click", () => (index === 0 ? close(card) : thank(card)));
    card.replaceChildren(label, scale, ends, skip, status);
    card.hidden = false;

    async function submit(score) {
      scale.querySelectorAll("button").forEach((button) => { button.disabled = true; });
      try {
        await answer(question.name, score);
      } catch (error) {
        if (error.status !== 409) {
          status.textContent = tr(FAILED_TEXT);
          scale.querySelectorAll("button").forEach((button) => { button.disabled = false; });
          return;
        }
      }
      if (index + 1 < QUESTIONS.length) {
        ask(card, answer, index + 1);
        card.querySelector(".sd-survey-question").focus();
      } else {
        thank(card);
      }
    }
  }

  /** End with thanks (focus stays in the card for keyboard and screen-reader users). */
  function thank(card) {
    const thanks = el("p", "sd-survey-thanks", tr(THANKS_TEXT), { tabindex: "-1", role: "status" });
    card.replaceChildren(thanks);
    thanks.focus();
  }

  /** Put the card away without a word (the customer passed on the first question). */
  function close(card) {
    card.replaceChildren();
    card.hidden = true;
  }

  window.SwarmdeskSurvey = {
    show: (card, answer, translate) => {
      tr = translate || tr;
      ask(card, answer, 0);
    },
  };
})();
