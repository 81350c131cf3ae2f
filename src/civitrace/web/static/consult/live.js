// The consultation pages' one script (progressive enhancement: every form posts without it).
// - Secret links: the key in the link's fragment (#ctf_…, #ctm_…) is posted once to be kept
//   in a cookie, and removed from the address bar.
// - Forms marked data-enhance are sent in the background; the answer is announced in the page.
// - Live updates: the session's Server-Sent Events (EventSource, same origin). Poll counts and
//   question support change in place; anything else re-reads the part of the page it concerns.
"use strict";
(function () {
  const FETCH = { "X-Consult-Fetch": "1" };
  const configElement = document.getElementById("consult-config");
  const config = configElement ? JSON.parse(configElement.textContent) : {};
  const messages = config.messages || {};
  const t = function (message) { return messages[message] || message; };
  const lang = document.documentElement.lang;

  // --- the secret link's key -------------------------------------------------------------
  const keyForm = document.querySelector("form[data-link-key]");
  const hash = window.location.hash;
  if (hash.startsWith("#ct")) {
    history.replaceState(null, "", window.location.pathname + window.location.search);
    if (keyForm) {
      keyForm.querySelector("input[name=key]").value = decodeURIComponent(hash.slice(1));
      keyForm.submit();
      return;
    }
  }

  function withLanguage(url) {
    return url + (url.indexOf("?") >= 0 ? "&" : "?") + "lang=" + encodeURIComponent(lang);
  }

  // --- re-reading parts of the page ------------------------------------------------------
  const scheduled = new Map();

  function busy(section) {
    // Someone is typing in it: refreshing now would throw their text away.
    const active = document.activeElement;
    if (!active || !section.contains(active)) return false;
    const typed = active.matches("textarea, input:not([type=radio]):not([type=checkbox]):not([type=hidden])");
    return typed && active.value !== active.defaultValue;
  }

  function refresh(id) {
    const section = document.getElementById(id);
    if (!section || !section.dataset.src) return;
    if (busy(section)) { section.dataset.stale = "1"; return; }
    if (scheduled.has(id)) return;
    scheduled.set(id, window.setTimeout(function () { load(id); }, 60));
  }

  async function load(id) {
    scheduled.delete(id);
    const section = document.getElementById(id);
    if (!section) return;
    let response;
    try {
      response = await fetch(withLanguage(section.dataset.src), { credentials: "same-origin", headers: FETCH });
    } catch (error) {
      return;
    }
    if (!response.ok) return;
    const parsed = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = parsed.getElementById(id);
    const current = document.getElementById(id);
    if (!fresh || !current) return;
    if (busy(current)) { current.dataset.stale = "1"; return; }
    const focused = document.activeElement && current.contains(document.activeElement)
      ? document.activeElement.id : null;
    const adopted = document.importNode(fresh, true);
    current.replaceWith(adopted);
    if (focused !== null) {
      const again = focused ? document.getElementById(focused) : null;
      const heading = adopted.querySelector("h2[tabindex]");
      (again || heading || adopted).focus();
    }
  }

  document.addEventListener("focusout", function (event) {
    const section = event.target.closest ? event.target.closest("[data-stale]") : null;
    if (!section) return;
    window.setTimeout(function () {
      if (!section.contains(document.activeElement)) {
        delete section.dataset.stale;
        refresh(section.id);
      }
    }, 0);
  });

  function sections(topic) {
    return Array.prototype.slice.call(document.querySelectorAll("[data-on]")).filter(function (s) {
      return s.dataset.on.split(" ").indexOf(topic) >= 0;
    });
  }

  // --- poll results --------------------------------------------------------------------------
  function showResults(element, results) {
    let text = element.dataset.votesText.replace("{n}", String(results.ballots));
    if (results.mean !== undefined && results.mean !== null) {
      text += " · " + element.dataset.meanText.replace("{mean}", Number(results.mean).toFixed(2));
    }
    element.querySelector(".ballots").textContent = text;
    const most = Math.max(results.ballots, 1);
    const rows = results.rows.map(function (row) {
      const item = document.createElement("li");
      const label = document.createElement("span");
      label.className = "bar-label";
      label.textContent = row.label;
      const count = document.createElement("span");
      count.className = "bar-count";
      count.textContent = String(row.count);
      const bar = document.createElement("progress");
      bar.max = most;
      bar.value = row.count;
      bar.setAttribute("aria-hidden", "true");
      item.append(label, " ", count, bar);
      return item;
    });
    element.querySelector("ul.bars").replaceChildren.apply(element.querySelector("ul.bars"), rows);
  }

  function onTally(data) {
    document.querySelectorAll('[data-results-for="' + data.pollId + '"]').forEach(function (element) {
      showResults(element, data.results);
    });
  }

  function onPoll(poll) {
    sections("poll").forEach(function (section) {
      const known = (section.dataset.polls || "").split(" ");
      if (known.indexOf(poll.id + ":" + poll.status) < 0) refresh(section.id);
    });
    if (poll.results) onTally({ pollId: poll.id, results: poll.results });
  }

  // --- questions -----------------------------------------------------------------------------
  function onQuestions(data) {
    sections("questions").forEach(function (section) {
      const list = section.querySelector("[data-questions]");
      if (!list) { refresh(section.id); return; }
      const items = {};
      list.querySelectorAll("li[data-question]").forEach(function (item) { items[item.dataset.question] = item; });
      const shown = Object.keys(items).sort().join(",");
      const wanted = data.questions.map(function (q) { return String(q.id); }).sort().join(",");
      const changed = data.questions.some(function (q) {
        return items[q.id] && items[q.id].dataset.status !== q.status;
      });
      if (shown !== wanted || changed) { refresh(section.id); return; }
      data.questions.forEach(function (q) {
        const item = items[q.id];
        item.querySelector("[data-upvotes]").textContent = String(q.upvotes);
        list.appendChild(item);
      });
    });
  }

  function onQueue(data) {
    sections("queue").forEach(function (section) {
      if (section.dataset.pending !== String(data.pending)) refresh(section.id);
    });
  }

  function onSeating(data) {
    sections("seating").forEach(function (section) {
      const mine = section.dataset.table;
      if (mine === undefined || data.table === null || mine === "" || mine === String(data.table)) {
        refresh(section.id);
      }
    });
  }

  function onSession(data) {
    sections("session").forEach(function (section) {
      if (section.dataset.status !== undefined
          && section.dataset.status === data.status
          && section.dataset.summary === String(data.summaryPublished)) return;
      refresh(section.id);
    });
  }

  // --- forms sent in the background ----------------------------------------------------------
  const status = document.getElementById("action-status");
  const alert = document.getElementById("action-alert");

  document.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!form.matches("form[data-enhance]") || !status || !alert) return;
    event.preventDefault();
    const body = new URLSearchParams(new FormData(form, event.submitter));
    const buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    alert.textContent = "";
    status.textContent = t("Sending…");
    let answer;
    try {
      // getAttribute: a control named "action" (moderation buttons) shadows form.action
      const response = await fetch(form.getAttribute("action"), { method: "POST", body: body, credentials: "same-origin", headers: FETCH });
      answer = await response.json();
    } catch (error) {
      answer = { ok: false, title: t("Live updates paused; reconnecting…"), detail: "" };
    }
    buttons.forEach(function (button) { button.disabled = false; });
    if (answer.ok) {
      status.textContent = answer.message;
      if (form.hasAttribute("data-reset")) form.reset();
      (form.dataset.after || "").split(" ").filter(Boolean).forEach(refresh);
    } else {
      status.textContent = "";
      alert.textContent = answer.title + (answer.detail ? " (" + answer.detail + ")" : "");
    }
  });

  // --- live updates --------------------------------------------------------------------------
  if (!config.events || typeof EventSource === "undefined") return;
  const live = document.getElementById("live-status");
  const source = new EventSource(config.events);
  const handlers = { tally: onTally, poll: onPoll, questions: onQuestions, queue: onQueue, seating: onSeating, session: onSession };
  Object.keys(handlers).forEach(function (topic) {
    source.addEventListener(topic, function (event) {
      let data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      handlers[topic](data);
    });
  });
  source.addEventListener("open", function () {
    document.body.dataset.live = "on";
    if (live && live.textContent) live.textContent = t("Live updates on.");
  });
  source.addEventListener("error", function () {
    document.body.dataset.live = "off";
    if (live) live.textContent = t("Live updates paused; reconnecting…");
  });
})();
