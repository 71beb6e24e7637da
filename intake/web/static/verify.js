// Group verification, keyboard first: Enter confirms the selected item and moves on, typing a
// character corrects it (character groups), arrows move, Space skips. Each item is a plain
// form that also works without this script. Requests go one at a time, so that two items of the
// same form never race for its row version. Nothing from a form is ever parsed as HTML.
(function () {
  "use strict";
  var list = document.getElementById("group");
  if (!list) { return; }
  var csrf = list.getAttribute("data-csrf");
  var postUrl = list.getAttribute("data-post-url");
  var byChar = list.getAttribute("data-by-char") === "1";
  var statusEl = document.getElementById("group-status");
  var items = Array.prototype.slice.call(list.querySelectorAll(".group-item"));
  var selected = 0;
  var chain = Promise.resolve();
  var left = items.length;

  function field(item, name) { return item.querySelector("input[name='" + name + "']"); }
  function typedBox(item) { return item.querySelector("input.typed"); }
  function say(text) { statusEl.textContent = text; }

  function select(index, focus) {
    if (index < 0 || index >= items.length) { return; }
    items[selected].classList.remove("selected");
    selected = index;
    var item = items[selected];
    item.classList.add("selected");
    if (focus !== false) {
      var box = typedBox(item);
      box.focus();
      if (byChar) { box.select(); }
    }
  }

  function move(step) {
    var i = selected + step;
    while (i >= 0 && i < items.length && items[i].classList.contains("done")) { i += step; }
    if (i >= 0 && i < items.length) { select(i); }
  }

  function finish(item, word) {
    item.classList.remove("failed");
    item.classList.add("done");
    Array.prototype.forEach.call(item.querySelectorAll("input.typed, button"), function (n) {
      n.disabled = true;
    });
    left -= 1;
    say(word + ". " + left + " left to check.");
  }

  function fail(item, message) {
    item.classList.add("failed");
    say(message);
  }

  function send(item, action, typed) {
    if (item.classList.contains("done") || item.getAttribute("data-sending") === "1") { return; }
    item.setAttribute("data-sending", "1");
    chain = chain.then(function () {
      var body = {
        form_id: field(item, "form_id").value,
        field_id: field(item, "field_id").value,
        position: field(item, "position").value,
        row_version: field(item, "row_version").value,
        "do": action,
        typed: typed
      };
      return fetch(postUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          item.removeAttribute("data-sending");
          if (!r.ok) {
            fail(item, (data && data.error) || ("Not saved (" + r.status + "): reload the page."));
            return;
          }
          // every other item of the same form now needs the form's new row version
          items.forEach(function (other) {
            if (other.getAttribute("data-form-id") === data.form_id) {
              field(other, "row_version").value = data.row_version;
            }
          });
          finish(item, action === "confirm" ? "Confirmed" : "Corrected");
        });
      }).catch(function () {
        item.removeAttribute("data-sending");
        fail(item, "Not saved: the connection failed. Try again.");
      });
    });
  }

  function settle(item) {
    var box = typedBox(item);
    var typed = box.value.trim();
    if (typed && typed !== box.getAttribute("data-original")) {
      send(item, "correct", typed);
    } else {
      box.value = box.getAttribute("data-original");
      send(item, "confirm", "");
    }
  }

  items.forEach(function (item, index) {
    item.addEventListener("focusin", function () { if (selected !== index) { select(index, false); } });
    item.querySelector("form").addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter;
      if (button && button.value === "correct") {
        var typed = typedBox(item).value.trim();
        if (!typed) { fail(item, "Type the right character first."); return; }
        send(item, "correct", typed);
      } else if (button && button.value === "confirm") {
        typedBox(item).value = typedBox(item).getAttribute("data-original");
        send(item, "confirm", "");
      } else {
        settle(item);
      }
      move(1);
    });
  });

  list.addEventListener("keydown", function (event) {
    if (event.target.tagName === "BUTTON" && (event.key === "Enter" || event.key === " ")) { return; }
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var item = items[selected];
    if (event.key === "ArrowDown" || (byChar && event.key === "ArrowRight")) {
      event.preventDefault(); move(1);
    } else if (event.key === "ArrowUp" || (byChar && event.key === "ArrowLeft")) {
      event.preventDefault(); move(-1);
    } else if (event.key === "Enter") {
      event.preventDefault(); settle(item); move(1);
    } else if (byChar && event.key === " ") {
      event.preventDefault(); move(1);
    } else if (byChar && event.key.length === 1 && event.target.classList.contains("typed")) {
      event.preventDefault();
      typedBox(item).value = event.key;
      if (event.key.toUpperCase() === typedBox(item).getAttribute("data-original").toUpperCase()) {
        send(item, "confirm", "");
      } else {
        send(item, "correct", event.key);
      }
      move(1);
    }
  });

  select(0);
})();
