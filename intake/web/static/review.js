// The review screen, keyboard first. Data is written with textContent and attributes only;
// nothing from a form is ever parsed as HTML.
(function () {
  "use strict";
  var root = document.getElementById("review");
  if (!root) { return; }
  var csrf = root.getAttribute("data-csrf");
  var urls = {
    next: root.getAttribute("data-next-url"),
    queue: root.getAttribute("data-queue-url"),
    screen: root.getAttribute("data-screen-url"),
    accept: root.getAttribute("data-accept-url"),
    hold: root.getAttribute("data-hold-url"),
    reject: root.getAttribute("data-reject-url"),
    crop: root.getAttribute("data-crop-url"),
    choose: root.getAttribute("data-choose-url"),
    search: root.getAttribute("data-search-url"),
    decide: root.getAttribute("data-decide-url")
  };
  var formEl = document.getElementById("review-form");
  var banner = document.getElementById("banner");
  var statusEl = document.getElementById("status");
  var dialog = document.getElementById("reason-dialog");
  var current = { id: root.getAttribute("data-form-id") };
  var seen = [current.id];
  var prefetched = null;   // promise of the next form's JSON
  var busy = false;
  var turn = 0;

  function url(template, formId, fieldId) {
    return template.replace("FORM_ID", encodeURIComponent(formId))
      .replace("FIELD_ID", encodeURIComponent(fieldId || ""));
  }

  // direction overrides and isolates shown as [U+202E] markers, as the server's pages do
  // (intake/bidi.py), so a name cannot reorder what the reviewer reads
  var BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  function visible(text) {
    return String(text).replace(BIDI, function (c) {
      return "[U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]";
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = visible(text); }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // the Tab cycle: doubtful values, then child rows and applicants still waiting for a choice
  function doubtfulInputs() {
    return Array.prototype.slice.call(
      formEl.querySelectorAll("input[data-doubtful='1'], .choice-box[data-doubtful='1']"));
  }

  function focusFirst() {
    var inputs = doubtfulInputs();
    if (inputs.length) { inputs[0].focus(); } else { document.getElementById("accept").focus(); }
  }

  function say(message) { statusEl.textContent = message; }

  function showBanner(message, reload) {
    clear(banner);
    banner.appendChild(el("span", "", message + " "));
    if (reload) {
      var link = el("a", "", "Reload this form");
      link.href = url(urls.screen, current.id);
      banner.appendChild(link);
    }
    banner.hidden = false;
  }

  // ---- rendering a form from JSON (the same structure as the server's template) ----

  function renderFields(data) {
    var box = document.getElementById("fields");
    clear(box);
    var party = null;
    data.fields.forEach(function (f) {
      if (f.party !== party) { box.appendChild(el("h2", "party", f.party_title)); party = f.party; }
      var row = el("div", "field" + (f.doubtful ? " doubtful" : ""));
      row.setAttribute("data-field-id", f.id);
      var label = el("label", "", f.label);
      label.htmlFor = "v-" + f.id;
      row.appendChild(label);
      var cropBox = el("div", "crop-box");
      if (f.has_crop) {
        var img = el("img", "crop");
        img.alt = "";
        img.src = url(urls.crop, data.id, f.id);
        cropBox.appendChild(img);
      }
      row.appendChild(cropBox);
      var input = el("input");
      input.id = "v-" + f.id;
      input.name = "value:" + f.id;
      input.value = visible(f.value);
      input.setAttribute("data-original", visible(f.value));
      input.spellcheck = false;
      if (f.blind) {
        input.setAttribute("data-blind", "1");
        input.placeholder = "type the email as written";
        input.autocomplete = "off";
      }
      if (f.doubtful) { input.setAttribute("data-doubtful", "1"); } else { input.tabIndex = -1; }
      row.appendChild(input);
      var chars = el("div", "chars");
      chars.setAttribute("aria-hidden", "true");
      f.chars.forEach(function (c) { chars.appendChild(el("span", c.doubtful ? "doubt" : "", c.c)); });
      row.appendChild(chars);
      if (f.hidden && f.hidden.length) {
        row.appendChild(el("p", "hidden-chars", "hidden characters: " + f.hidden.join(" ")));
      }
      if (f.doubtful && f.why && f.why.length) {
        var why = el("p", "why", "Why: " + f.why.join("; "));
        why.id = "why-" + f.id;
        input.setAttribute("aria-describedby", why.id);
        row.appendChild(why);
      }
      box.appendChild(row);
    });
  }

  function renderList(id, items, build, emptyText) {
    var box = document.getElementById(id);
    clear(box);
    if (!items.length && emptyText) { box.appendChild(el("p", "muted", emptyText)); }
    items.forEach(function (item) { box.appendChild(build(item)); });
  }

  function render(data) {
    current = { id: data.id };
    document.getElementById("row-version").value = data.row_version;
    document.getElementById("form-ref").textContent = data.id.slice(0, 8);
    document.getElementById("form-meta").textContent = data.state +
      (data.serial ? " · serial " + data.serial : "") + " · doubt " + Number(data.doubt).toFixed(1);
    formEl.action = url(urls.accept, data.id);
    var decide = document.getElementById("decide");
    if (decide && urls.decide) { decide.href = url(urls.decide, data.id); }
    renderList("problems", data.problems, function (p) { return el("li", "", p); });
    renderFields(data);
    renderList("ticks", data.ticks.filter(function (t) { return t.ticked; }), function (t) {
      return el("span", "tick", "\u2714 " + t.party_title + ": " + t.label);
    });
    renderChoices(data);
    renderList("signatures", data.signatures, function (s) {
      var fig = el("figure", "signature" + (s.present ? "" : " missing"));
      if (s.has_crop) {
        var img = el("img");
        img.alt = "";
        img.src = url(urls.crop, data.id, s.id);
        fig.appendChild(img);
      }
      fig.appendChild(el("figcaption", "", s.party_title + " · " + s.label + " · " +
        (s.present ? "signed" : "not signed")));
      return fig;
    });
    var pages = document.getElementById("pages");
    clear(pages);
    (data.pages || []).forEach(function (src, i) {
      var img = el("img", "page-image");
      img.alt = "Scanned page " + (i + 1);
      img.src = src;
      pages.appendChild(img);
    });
    turn = 0;
    pages.className = "pages";
    banner.hidden = true;
    window.history.replaceState(null, "", url(urls.screen, data.id));
    focusFirst();
  }

  // ---- children and applicants: candidates to choose from (keys 1-9, 0, /) ----

  function choiceButton(text, key, attrs) {
    var button = el("button", "choice");
    button.type = "button";
    Object.keys(attrs).forEach(function (name) { button.setAttribute(name, attrs[name]); });
    if (key !== null) { button.appendChild(el("kbd", "", key)); button.appendChild(document.createTextNode(" ")); }
    button.appendChild(el("span", "c-name", text.name));
    button.appendChild(document.createTextNode(visible(text.rest)));
    return button;
  }

  function candidateText(c) {
    return { name: c.name, rest: " · " + c.tutor_group + (c.year ? " · Y" + c.year : "") + " · " + c.score };
  }

  function renderChild(child) {
    var box = el("div", "child choice-box");
    box.tabIndex = 0;
    box.setAttribute("data-row", String(child.row));
    if (!child.linked) { box.setAttribute("data-doubtful", "1"); }
    box.setAttribute("aria-label", "Child " + child.row + ": keys 1 to " + child.candidates.length +
      " choose, 0 not at this school, / search");
    box.appendChild(el("strong", "", "Child " + child.row));
    var badge = child.linked ? "linked" + (child.auto_linked ? " automatically" : "") +
      (child.chosen_by_person ? " by a person" : "") : (child.not_at_school ? "not at this school" : "choose");
    box.appendChild(el("span", "badge " + (child.linked ? "ok" : "warn"), badge));
    var list = el("ol", "candidates");
    child.candidates.forEach(function (c, i) {
      var li = el("li", c.student_id === child.linked ? "chosen" : "");
      li.appendChild(choiceButton(candidateText(c), String(i + 1),
        { "data-row": String(child.row), "data-student-id": c.student_id }));
      if (c.reasons && c.reasons.length) { li.appendChild(el("span", "muted small", " " + c.reasons.join("; "))); }
      (c.pr || []).forEach(function (p) { li.appendChild(el("span", "badge", p)); });
      list.appendChild(li);
    });
    box.appendChild(list);
    box.appendChild(choiceButton({ name: "Not at this school", rest: "" }, "0",
      { "data-row": String(child.row), "data-student-id": "" }));
    var search = el("div", "student-search");
    var label = el("label", "sr", "Search the roster for child " + child.row);
    label.htmlFor = "search-" + child.row;
    search.appendChild(label);
    var input = el("input", "search-input");
    input.type = "search";
    input.id = "search-" + child.row;
    input.setAttribute("data-row", String(child.row));
    input.placeholder = "Search the roster (name, tutor group)";
    input.maxLength = 80;
    input.spellcheck = false;
    search.appendChild(input);
    search.appendChild(el("ol", "search-results"));
    box.appendChild(search);
    if (child.reasons.length) { box.appendChild(el("p", "muted small", child.reasons.join("; "))); }
    return box;
  }

  function renderApplicant(a) {
    var options = a.contact_options || [];
    var box = el("div", "applicant" + (options.length ? " choice-box" : ""));
    if (options.length) {
      box.tabIndex = 0;
      box.setAttribute("data-party", a.party);
      if (!a.contact_id || a.outcome === "unknown_contact") { box.setAttribute("data-doubtful", "1"); }
    }
    box.appendChild(el("strong", "", a.party_title));
    box.appendChild(el("span", "badge " + (a.outcome === "pr" ? "ok" : "warn"),
      (a.outcome || "unmatched").replace(/_/g, " ")));
    if (a.chosen_by_person) { box.appendChild(el("span", "badge", "contact chosen by a person")); }
    if (a.existing_account) { box.appendChild(el("span", "badge", "has an account")); }
    var warnings = el("ul", "warnings");
    a.warnings.forEach(function (w) { warnings.appendChild(el("li", "", w)); });
    box.appendChild(warnings);
    var standings = el("ul", "standings");
    a.standings.forEach(function (s) {
      var li = el("li", "", "PR: " + (s.pr ? "yes" : "no"));
      if (s.blocked) { li.appendChild(el("span", "restricted", " · " + s.reason)); }
      standings.appendChild(li);
    });
    box.appendChild(standings);
    if (options.length) {
      var list = el("ol", "contacts");
      options.forEach(function (c, i) {
        var li = el("li", c.contact_id === a.contact_id ? "chosen" : "");
        li.appendChild(choiceButton({ name: c.name, rest: " · " + c.relationships.join(", ") +
          " · PR " + (c.pr ? "yes" : "no") + (c.restricted ? " · restricted" : "") }, String(i + 1),
          { "data-party": a.party, "data-contact-id": c.contact_id }));
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    return box;
  }

  function renderChoices(data) {
    renderList("children", data.children, renderChild,
      data.matching === "matching_unavailable" ? "Roster matching is not available." : "No children matched.");
    renderList("applicants", data.applicants, renderApplicant, "No applicant matched.");
  }

  function choose(button) {
    if (busy) { return; }
    var body = {};
    var box = button.closest(".choice-box");
    if (button.hasAttribute("data-row")) {
      body.row = Number(button.getAttribute("data-row"));
      body.student_id = button.getAttribute("data-student-id") || null;
    } else {
      body.party = button.getAttribute("data-party");
      body.contact_id = button.getAttribute("data-contact-id");
    }
    var again = box ? (box.hasAttribute("data-row") ? "[data-row='" + box.getAttribute("data-row") + "']" :
      "[data-party='" + box.getAttribute("data-party") + "']") : null;
    busy = true;
    say("Matching again…");
    post(urls.choose, body).then(function (data) {
      busy = false;
      document.getElementById("row-version").value = data.row_version;
      document.getElementById("form-meta").textContent = data.state +
        (data.serial ? " · serial " + data.serial : "") + " · doubt " + Number(data.doubt).toFixed(1);
      renderChoices(data);
      say("Choice saved; matched again.");
      var target = again ? document.querySelector(".choice-box" + again) : null;
      if (target) { target.focus(); } else { focusFirst(); }
    }).catch(function (error) {
      busy = false;
      say("");
      showBanner(error.message, error.status === 409);
    });
  }

  function searchStudents(input) {
    var row = input.getAttribute("data-row");
    var results = input.parentNode.querySelector(".search-results");
    var q = input.value.trim();
    clear(results);
    if (!q) { return; }
    var words = q.split(/\s+/);
    var group = /\d/.test(words[words.length - 1]) && words.length > 1 ? words.pop() : "";
    var query = "?q=" + encodeURIComponent(words.join(" ")) + "&tutor_group=" + encodeURIComponent(group);
    fetch(url(urls.search, current.id) + query, {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) {
        // the server says why (too few letters, the form is closed, too many searches)
        return r.json().catch(function () { return {}; }).then(function (body) {
          throw new Error(body.error || ("The search failed (" + r.status + ")."));
        });
      }
      return r.json();
    }).then(function (data) {
      clear(results);
      if (!data.results.length) { results.appendChild(el("li", "muted", "No student like that.")); }
      data.results.forEach(function (c) {
        var li = el("li");
        li.appendChild(choiceButton(candidateText(c), null, { "data-row": row, "data-student-id": c.student_id }));
        if (c.reasons.length) { li.appendChild(el("span", "muted small", " " + c.reasons.join("; "))); }
        results.appendChild(li);
      });
      var first = results.querySelector("button.choice");
      if (first) { first.focus(); }
    }).catch(function (error) { showBanner(error.message, false); });
  }

  function choiceKey(event) {
    var active = document.activeElement;
    if (active && active.classList.contains("search-input")) {
      if (event.key === "Enter") { event.preventDefault(); searchStudents(active); return true; }
      if (event.key === "Escape") { event.preventDefault(); active.closest(".choice-box").focus(); return true; }
      if (event.key === "ArrowDown") {
        var first = active.parentNode.querySelector("button.choice");
        if (first) { event.preventDefault(); first.focus(); }
        return true;
      }
      return event.key !== "Tab" && !event.altKey;  // typing in the search box is no shortcut
    }
    if (active && active.classList.contains("choice")) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(active); return true; }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        var buttons = Array.prototype.slice.call(active.closest(".choice-box").querySelectorAll("button.choice"));
        var at = buttons.indexOf(active) + (event.key === "ArrowDown" ? 1 : -1);
        if (at >= 0 && at < buttons.length) { event.preventDefault(); buttons[at].focus(); }
        return true;
      }
      if (event.key === "Escape") { event.preventDefault(); active.closest(".choice-box").focus(); return true; }
    }
    var box = active && active.classList.contains("choice-box") ? active : null;
    if (!box || event.altKey || event.ctrlKey || event.metaKey) { return false; }
    if (/^[0-9]$/.test(event.key)) {
      event.preventDefault();
      var n = Number(event.key);
      var button = null;
      if (box.hasAttribute("data-row")) {
        button = n === 0 ? box.querySelector("button.choice[data-student-id='']")
          : box.querySelectorAll(".candidates button.choice")[n - 1];
      } else if (n > 0) {
        button = box.querySelectorAll(".contacts button.choice")[n - 1];
      }
      if (button) { choose(button); } else { say("No choice " + n + " here."); }
      return true;
    }
    if (event.key === "/" && box.hasAttribute("data-row")) {
      event.preventDefault();
      box.querySelector(".search-input").focus();
      return true;
    }
    return false;
  }

  // ---- talking to the server ----

  function prefetch() {
    var query = seen.slice(-50).map(function (id) { return "exclude=" + encodeURIComponent(id); });
    prefetched = fetch(urls.next + "?" + query.join("&"), {
      headers: { "Accept": "application/json" }, credentials: "same-origin"
    }).then(function (r) {
      if (!r.ok) { throw new Error("next " + r.status); }
      return r.json();
    }).then(function (data) {
      if (!data.done) {
        // warm the browser's cache so the next form appears at once
        (data.pages || []).forEach(function (src) { new Image().src = src; });
        data.fields.forEach(function (f) { if (f.has_crop) { new Image().src = url(urls.crop, data.id, f.id); } });
      }
      return data;
    });
    prefetched.catch(function () { /* shown when it is needed */ });
  }

  function post(template, body) {
    body.row_version = Number(document.getElementById("row-version").value);
    return fetch(url(template, current.id), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var error = new Error(data.error || ("The server said " + r.status));
          error.status = r.status;
          error.data = data;
          throw error;
        }
        return data;
      });
    });
  }

  function corrections() {
    var values = {};
    Array.prototype.forEach.call(formEl.querySelectorAll("input[name^='value:']"), function (input) {
      if (input.value !== input.getAttribute("data-original")) {
        values[input.name.slice(6)] = input.value;
      }
    });
    return values;
  }

  function advance(message) {
    say(message);
    (prefetched || Promise.reject(new Error("nothing prefetched"))).then(function (data) {
      if (data.done) { window.location.assign(urls.queue); return; }
      seen.push(data.id);
      render(data);
      prefetch();
    }).catch(function () { window.location.assign(urls.queue); }).finally(function () { busy = false; });
  }

  function act(template, body, message) {
    if (busy) { return; }
    busy = true;
    say("Saving…");
    post(template, body).then(function () { advance(message); }).catch(function (error) {
      busy = false;
      say("");
      if (error.status === 422 && error.data && (error.data.again || error.data.missing)) {
        keyAgain(error.data);
      }
      showBanner(error.message, error.status === 409);
    });
  }

  // a new email that disagreed with the reading is typed a second time, the box cleared
  function keyAgain(data) {
    var first = null;
    (data.again || []).concat(data.missing || []).forEach(function (id) {
      var input = document.getElementById("v-" + id);
      if (!input) { return; }
      if ((data.again || []).indexOf(id) >= 0) {
        input.setAttribute("data-first", input.value);
        input.value = "";
        input.placeholder = "type it again, from the form";
      } else {
        input.setAttribute("data-first", "");  // Enter again: nothing is written there
      }
      if (!first) { first = input; }
    });
    if (first) { first.focus(); }
  }

  function firstKeyings() {
    var keyed = {};
    Array.prototype.forEach.call(formEl.querySelectorAll("input[data-first]"), function (input) {
      keyed[input.name.slice(6)] = input.getAttribute("data-first");
    });
    return keyed;
  }

  function accept() {
    act(urls.accept, { values: corrections(), first_keyings: firstKeyings() }, "Accepted.");
  }

  // withCodes: the reject dialog, where a coded reason (printed in the letter) is chosen and the
  // text is a note for the file; otherwise the text is the reason and must not be empty
  function askReason(title, withCodes) {
    return new Promise(function (resolve) {
      document.getElementById("reason-title").textContent = title;
      var text = document.getElementById("reason-text");
      var codes = document.getElementById("reason-codes");
      var select = document.getElementById("reason-code");
      if (codes) { codes.hidden = !withCodes; }
      text.required = !withCodes;
      text.placeholder = withCodes ? "Note for the file (optional)" : "";
      text.value = "";
      dialog.returnValue = "";
      dialog.showModal();
      (withCodes && select ? select : text).focus();
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        if (dialog.returnValue !== "ok") { resolve(null); }
        else if (withCodes) { resolve({ code: select ? select.value : "", note: text.value.trim() }); }
        else { resolve(text.value.trim()); }
        focusFirst();
      });
    });
  }

  function hold() {
    askReason("Why hold this form?", false).then(function (reason) {
      if (reason !== null) { act(urls.hold, { reason: reason, values: corrections() }, "Held."); }
    });
  }

  function reject() {
    if (!document.getElementById("reject")) { say("Only an approver can reject."); return; }
    askReason("Why reject this application?", true).then(function (choice) {
      if (choice && choice.code) {
        act(urls.reject, { code: choice.code, note: choice.note }, "Rejected; letters written.");
      }
    });
  }

  function rotate() {
    turn = (turn + 90) % 360;
    document.getElementById("pages").className = "pages turned-" + turn;
  }

  // ---- keys ----

  function moveFocus(step) {
    var inputs = doubtfulInputs();
    if (!inputs.length) { return; }
    var active = document.activeElement;
    var box = active && active.closest ? active.closest(".choice-box") : null;
    var at = inputs.indexOf(box || active);
    var next = at < 0 ? 0 : (at + step + inputs.length) % inputs.length;
    inputs[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    if (dialog.open) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        dialog.close("ok");
      }
      return;
    }
    if (choiceKey(event)) { return; }
    if (event.key === "Tab") { event.preventDefault(); moveFocus(event.shiftKey ? -1 : 1); return; }
    if (event.key === "Enter" && !event.altKey && !event.ctrlKey) {
      if (event.target.tagName === "A") { return; }
      event.preventDefault();
      accept();
      return;
    }
    if (event.altKey && !event.ctrlKey) {
      var key = event.key.toLowerCase();
      if (key === "h") { event.preventDefault(); hold(); }
      else if (key === "x") { event.preventDefault(); reject(); }
      else if (key === "r") { event.preventDefault(); rotate(); }
    }
  });

  // Typing overwrites: focus selects the doubtful characters when the doubt sits in one place
  // (one key fixes a misread character), else the whole value.
  function doubtfulRun(input) {
    var row = input.parentNode.querySelector(".chars");
    if (!row) { return null; }
    var marks = Array.prototype.map.call(row.children, function (span) { return span.className === "doubt"; });
    if (marks.length !== input.value.length) { return null; }
    var first = marks.indexOf(true);
    var last = marks.lastIndexOf(true);
    if (first < 0 || marks.slice(first, last + 1).indexOf(false) >= 0) { return null; }
    if (input.value !== input.getAttribute("data-original")) { return null; }
    return [first, last + 1];
  }

  formEl.addEventListener("focusin", function (event) {
    var input = event.target;
    if (input.tagName !== "INPUT" || input.type === "hidden") { return; }
    var run = doubtfulRun(input);
    if (run) { input.setSelectionRange(run[0], run[1]); } else { input.select(); }
  });
  ["children", "applicants"].forEach(function (id) {
    document.getElementById(id).addEventListener("click", function (event) {
      var button = event.target.closest("button.choice");
      if (button) { event.preventDefault(); choose(button); }
    });
  });
  formEl.addEventListener("submit", function (event) { event.preventDefault(); accept(); });
  document.getElementById("hold").addEventListener("click", hold);
  var rejectButton = document.getElementById("reject");
  if (rejectButton) { rejectButton.addEventListener("click", reject); }
  document.getElementById("rotate").addEventListener("click", rotate);
  document.getElementById("reason-cancel").addEventListener("click", function () { dialog.close("cancel"); });

  focusFirst();
  prefetch();
})();
