/* The labelling workbench, keyboard first. The page works without this file (plain form POST);
 * this adds the shortcuts, the active-time measure, ranking by drag and drop or keys, step rating
 * by keys, the anchor hints, and lets htmx swap in the re-rendered form on a 400/422 answer.
 *
 * Keys (never while typing in a text field): digits pick the preference, set the focused rubric
 * score, select a response to rank, or rate the current step; Enter submits; S skips (asks a
 * reason); G toggles the guidelines; ? shows the shortcut sheet; Esc closes what is open.
 */
(function () {
  "use strict";

  document.documentElement.classList.add("has-js");

  // ---- htmx: validation errors come back as 400/422 with the form to show ----
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 400 || xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
    if (event.detail.shouldSwap && event.detail.target.id === "workbench" && xhr.responseText.indexOf('id="workbench"') === -1) {
      // Not a workbench (the session ran out and this is the login page, say): go there for real.
      event.detail.shouldSwap = false;
      window.location.href = xhr.responseURL || window.location.href;
    }
  });
  function showProblem(text) {
    var bench = document.getElementById("workbench");
    if (!bench) return;
    var box = bench.querySelector(".message.connection") || document.createElement("div");
    box.className = "message error connection";
    box.setAttribute("role", "alert");
    box.textContent = text;
    bench.insertBefore(box, bench.firstChild);
  }
  document.addEventListener("htmx:responseError", function (event) {
    showProblem("The server could not take this (error " + event.detail.xhr.status + "). Nothing was lost on this page: try again.");
  });
  document.addEventListener("htmx:sendError", function () {
    showProblem("The server cannot be reached. Nothing was lost on this page: try again when you are back online.");
  });

  function labelForm() { return document.querySelector("form.label-form"); }

  // ---- active time: counts while the tab is visible, per item ----
  var timer = { key: null, ms: 0, since: null };

  function resume() {
    if (timer.key !== null && timer.since === null && document.visibilityState === "visible") timer.since = performance.now();
  }
  function pause() {
    if (timer.since !== null) { timer.ms += performance.now() - timer.since; timer.since = null; }
  }
  function elapsed() {
    return Math.round(timer.ms + (timer.since === null ? 0 : performance.now() - timer.since));
  }
  function startTimer(form) {
    var key = form.dataset.timerKey || "";
    if (key !== timer.key) {
      // A new item. A re-rendered one (validation error) keeps its key and so its time.
      var echoed = parseInt(form.elements.active_ms ? form.elements.active_ms.value : "", 10);
      timer = { key: key, ms: isNaN(echoed) ? 0 : echoed, since: null };
    }
    resume();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") resume(); else pause();
  });
  // Capture phase: runs before htmx reads the form's values.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("label-form") && form.elements.active_ms) {
      form.elements.active_ms.value = String(elapsed());
    }
  }, true);

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  // ---- helpers ----
  function isTyping(el) {
    if (!el || !el.matches) return false;
    return el.matches("textarea, select, [contenteditable=''], [contenteditable='true'], " +
      "input:not([type]), input[type=text], input[type=search], input[type=number], input[type=email], input[type=password]");
  }
  function pick(radio) {
    if (!radio || radio.disabled) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    radio.focus();
    return true;
  }

  // ---- rubric: a focused score takes a digit; the hint shows the anchor of the point ----
  function showHint(group, point) {
    var hint = group && document.getElementById(group.dataset.hint);
    if (!hint) return;
    var found = false;
    hint.querySelectorAll(".hint-point").forEach(function (el) {
      var on = point !== null && el.dataset.point === point;
      el.classList.toggle("active", on);
      if (on) {
        found = true;
        var letter = el.querySelector(".hint-letter");
        if (letter) letter.textContent = group.dataset.letter + " · ";
      }
    });
    hint.classList.toggle("showing-point", found);
  }
  function checkedPoint(group) {
    var checked = group.querySelector("input:checked");
    return checked ? checked.value : null;
  }
  document.addEventListener("focusin", function (event) {
    var group = event.target.closest && event.target.closest(".score-group");
    if (group) showHint(group, checkedPoint(group));
  });
  document.addEventListener("change", function (event) {
    var group = event.target.closest && event.target.closest(".score-group");
    if (group) { group.classList.remove("missing"); showHint(group, event.target.value); }
    var stepList = event.target.closest && event.target.closest(".step-list");
    if (stepList) {
      updateSteps(stepList);
      var changed = event.target.closest(".step");
      if (event.target.closest(".step-rate") && event.target.value === "-1" && !stepCategory(changed)) changed.classList.add("picking");
      if (event.target.closest(".step-category")) changed.classList.remove("picking");
      clearHint(stepList.closest("form"));
    }
  });
  document.addEventListener("mouseover", function (event) {
    var label = event.target.closest && event.target.closest(".score-group .pt");
    if (label) showHint(label.parentElement, label.querySelector("input").value);
  });
  document.addEventListener("mouseout", function (event) {
    var group = event.target.closest && event.target.closest(".score-group");
    if (group && !group.contains(event.relatedTarget)) {
      var active = document.activeElement && document.activeElement.closest && document.activeElement.closest(".score-group");
      showHint(group, active === group ? checkedPoint(group) : null);
    }
  });

  // ---- ranking: drag and drop, or select with a digit and move with arrows ----
  function rankRows(list) { return Array.prototype.slice.call(list.querySelectorAll(".rank-row")); }
  function renumber(list) {
    var ties = list.dataset.ties === "1";
    var rank = 0;
    rankRows(list).forEach(function (row, i) {
      var tied = ties && i > 0 && row.dataset.tied === "1";
      if (!tied) { row.dataset.tied = "0"; rank = i + 1; }
      row.classList.toggle("tied", tied);
      row.querySelector(".rank-badge").textContent = String(rank);
      row.querySelector("select").value = String(rank);
      var toggle = row.querySelector(".tie-toggle");
      if (toggle) { toggle.setAttribute("aria-pressed", tied ? "true" : "false"); toggle.disabled = i === 0; }
    });
  }
  function selectRow(row) {
    rankRows(row.parentElement).forEach(function (other) { other.tabIndex = other === row ? 0 : -1; });
    row.focus();
  }
  function moveRow(row, step) {
    var list = row.parentElement;
    var sibling = step < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (!sibling) return;
    row.dataset.tied = "0";
    if (step < 0) list.insertBefore(row, sibling); else list.insertBefore(sibling, row);
    renumber(list);
    selectRow(row);
  }
  function toggleTie(row) {
    var list = row.parentElement;
    if (list.dataset.ties !== "1" || !row.previousElementSibling) return;
    row.dataset.tied = row.dataset.tied === "1" ? "0" : "1";
    renumber(list);
  }
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var row = event.target.closest && event.target.closest(".rank-row");
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", row.dataset.index);
  });
  document.addEventListener("dragover", function (event) {
    var list = dragged && event.target.closest && event.target.closest(".rank-list");
    if (!list || list !== dragged.parentElement) return;
    event.preventDefault();
    var after = null;
    rankRows(list).some(function (row) {
      if (row === dragged) return false;
      var box = row.getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) { after = row; return true; }
      return false;
    });
    if (after) list.insertBefore(dragged, after); else list.appendChild(dragged);
  });
  document.addEventListener("drop", function (event) {
    if (dragged) event.preventDefault();
  });
  document.addEventListener("dragend", function () {
    if (!dragged) return;
    var row = dragged;
    dragged = null;
    row.classList.remove("dragging");
    row.dataset.tied = "0";
    renumber(row.parentElement);
    selectRow(row);
  });
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".tie-toggle");
    if (toggle) toggleTie(toggle.closest(".rank-row"));
    var action = event.target.closest && event.target.closest("[data-action=shortcuts]");
    if (action) toggleShortcuts();
  });

  // ---- steps: J/K or arrows move, 1/2/3 (or + 0 -) rate, E picks an error category; the first wrong step is marked ----
  var RATE_KEYS = { "1": "1", "+": "1", "2": "2", "0": "2", "3": "3", "-": "3", "\u2212": "3" };
  function stepRows(list) { return Array.prototype.slice.call(list.querySelectorAll(".step")); }
  function currentStep(list) {
    return list.querySelector(".step[tabindex='0']") || list.querySelector(".step");
  }
  function focusStep(step) {
    if (!step) return;
    stepRows(step.parentElement).forEach(function (other) { other.tabIndex = other === step ? 0 : -1; });
    step.focus();
    step.scrollIntoView({ block: "nearest" });
  }
  function stepRating(step) {
    var checked = step.querySelector(".step-rate input:checked");
    return checked ? checked.value : null;
  }
  function stepCategory(step) {
    var checked = step.querySelector(".step-category input:checked");
    return checked && checked.value ? checked.value : null;
  }
  function updateSteps(list) {
    var stop = list.dataset.stop === "1";
    var wrongSeen = false;
    var firstNumber = null;
    stepRows(list).forEach(function (step, i) {
      var rating = stepRating(step);
      var after = stop && wrongSeen;
      var wrong = rating === "-1" && !after;
      var firstWrong = !wrongSeen && rating === "-1";
      step.classList.toggle("first-wrong", firstWrong);
      step.classList.toggle("after-error", after);
      step.classList.toggle("wrong", wrong);
      if (!wrong) {
        step.classList.remove("picking");
        step.querySelectorAll(".step-category input:checked").forEach(function (input) { input.checked = false; });
      }
      step.classList.toggle("no-category", wrong && !stepCategory(step));
      step.querySelectorAll("input, textarea").forEach(function (input) { input.disabled = after; });
      step.classList.toggle("rated", !!rating && !after);
      if (firstWrong) { wrongSeen = true; firstNumber = i + 1; }
    });
    var shown = list.parentElement.querySelector("[data-first-wrong]");
    if (shown) shown.textContent = firstNumber === null ? "none" : "step " + firstNumber;
  }
  function picking(form) { return form.querySelector(".step.picking"); }
  function openPicker(step) {
    if (stepRating(step) !== "-1") {
      var radio = step.querySelector(".step-rate input[value='-1']");
      if (!radio || radio.disabled) return;
      radio.checked = true;
      updateSteps(step.parentElement);
    }
    step.classList.add("picking");
    focusStep(step);
  }
  function afterRated(step) {
    // Stay on a wrong step when marking stops there; otherwise go on to the next step.
    var stop = step.parentElement.dataset.stop === "1";
    focusStep(stepRating(step) === "-1" && stop ? step : (step.nextElementSibling || step));
  }
  function pickCategory(step, key) {
    var radio = step.querySelector(".step-category input[data-key='" + key + "']");
    if (!radio || radio.disabled) return false;
    radio.checked = true;
    step.classList.remove("picking");
    updateSteps(step.parentElement);
    clearHint(step.closest("form"));
    afterRated(step);
    return true;
  }
  function rateStep(step, key) {
    var radio = step.querySelector(".step-rate input[data-key='" + RATE_KEYS[key] + "']");
    if (!radio || radio.disabled) return;
    radio.checked = true;
    step.classList.remove("picking");
    updateSteps(step.parentElement);
    clearHint(step.closest("form"));
    if (radio.value === "-1" && !stepCategory(step)) { openPicker(step); return; }
    afterRated(step);
  }
  // What still stops a step item from being submitted: {step or field, message}; null when ready.
  function stepProblem(form) {
    var list = form.querySelector(".step-list");
    if (!list) return null;
    var finish = form.querySelector("input[name=finish_reason]:checked");
    var lenient = !!finish && (finish.value === "bad_problem" || finish.value === "give_up");
    var stop = list.dataset.stop === "1";
    var steps = stepRows(list);
    var anyWrong = false;
    for (var i = 0; i < steps.length; i++) {
      var step = steps[i];
      if (step.classList.contains("after-error")) continue;
      var rating = stepRating(step);
      if (rating === "-1") anyWrong = true;
      if (!rating && !lenient) return { step: step, text: "Rate step " + (i + 1) + " first (1, 2 or 3)." };
      if (rating === "-1" && !stepCategory(step)) {
        return { step: step, text: "Choose the error category of step " + (i + 1) + " (E, then its number).", pick: true };
      }
    }
    var final = form.querySelector(".final-answer");
    if (final && final.dataset.final === "required" && !lenient && !(stop && anyWrong) &&
        !final.querySelector("input:checked")) {
      return { field: final, text: "Say whether the final answer is correct (Y or N)." };
    }
    return null;
  }
  function clearHint(form) {
    var hint = form && form.querySelector(".step-hint");
    if (hint) hint.remove();
  }
  function showStepProblem(form, problem) {
    var list = form.querySelector(".step-list");
    var hint = form.querySelector(".step-hint") || document.createElement("p");
    hint.className = "step-hint";
    hint.setAttribute("role", "alert");
    hint.textContent = problem.text;
    list.parentElement.appendChild(hint);
    if (problem.step) {
      if (problem.pick) openPicker(problem.step); else focusStep(problem.step);
    } else if (problem.field) {
      problem.field.scrollIntoView({ block: "nearest" });
    }
  }
  function answerFinal(form, key) {
    var radio = form.querySelector("input[name=final_answer_correct][data-key='" + key + "']");
    if (!radio) return false;
    radio.checked = true;
    radio.dispatchEvent(new Event("change", { bubbles: true }));
    clearHint(form);
    return true;
  }

  // ---- guidelines, shortcut sheet, skip ----
  function toggleGuidelines() {
    var panel = document.getElementById("guidelines");
    if (panel) panel.open = !panel.open;
  }
  function toggleShortcuts() {
    var sheet = document.getElementById("shortcuts");
    if (!sheet) return;
    if (sheet.open) sheet.close(); else sheet.showModal();
  }
  function openSkip(form) {
    var skip = form && form.querySelector("details.skip");
    if (!skip) return;
    skip.open = true;
    var reason = skip.querySelector("input[name=reason]");
    if (reason) reason.focus();
  }
  function closeSkip(skip, form) {
    skip.open = false;
    focusStart(form);
  }
  function focusStart(form, scroll) {
    if (!form) return;
    // Steps are rated where they are: start on the current step. Otherwise at the judgement.
    var steps = form.querySelector(".step-list");
    var start = steps && !form.querySelector(".form-errors") ? currentStep(steps) : form.querySelector(".focus-start");
    if (start) start.focus({ preventScroll: !scroll });
  }

  // ---- the key map ----
  document.addEventListener("keydown", function (event) {
    var form = labelForm();
    var target = event.target;
    var key = event.key;
    if (event.isComposing || event.defaultPrevented) return;
    if (key === "Enter" && (event.ctrlKey || event.metaKey) && form) {
      event.preventDefault();
      submit(form);
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var sheet = document.getElementById("shortcuts");
    if (sheet && sheet.open) {
      if (key === "?") { event.preventDefault(); sheet.close(); }
      return;  // the dialog closes itself on Esc
    }
    if (isTyping(target)) {
      var skip = target.closest && target.closest("details.skip");
      if (key === "Escape" && skip) { event.preventDefault(); closeSkip(skip, form); }
      return;
    }
    if (key === "?") { event.preventDefault(); toggleShortcuts(); return; }
    if (key === "g" || key === "G") { event.preventDefault(); toggleGuidelines(); return; }
    if (key === "Escape") {
      var openPick = form && form.querySelector(".step.picking");
      if (openPick) { openPick.classList.remove("picking"); focusStep(openPick); return; }
      var guide = document.getElementById("guidelines");
      if (guide && guide.open) { guide.open = false; return; }
      var openSkipBox = form && form.querySelector("details.skip[open]");
      if (openSkipBox) closeSkip(openSkipBox, form);
      return;
    }
    if (!form) return;
    var steps = form.querySelector(".step-list");
    var open = steps && picking(form);
    if (open) {
      // The category picker of a wrong step: digits choose, Esc closes; any other key closes it and acts.
      if (/^[1-9]$/.test(key)) { event.preventDefault(); pickCategory(open, key); return; }
      open.classList.remove("picking");
      if (key === "Escape" || key === "e" || key === "E") { event.preventDefault(); focusStep(open); return; }
    }
    if (key === "s" || key === "S") { event.preventDefault(); openSkip(form); return; }
    if (key === "Enter") {
      if (target.matches && target.matches("button, a, summary, input[type=submit]")) return;  // native
      event.preventDefault();
      var problem = stepProblem(form);
      if (problem) { showStepProblem(form, problem); return; }
      submit(form);
      return;
    }

    var ranking = form.querySelector(".rank-list");
    var row = target.closest && target.closest(".rank-row");
    var step = target.closest && target.closest(".step");
    if (steps && !(target.closest && target.closest(".score-group"))) {
      if (key === "e" || key === "E") { event.preventDefault(); openPicker(step || currentStep(steps)); return; }
      if (key === "y" || key === "Y") { if (answerFinal(form, "Y")) event.preventDefault(); return; }
      if (key === "n" || key === "N") { if (answerFinal(form, "N")) event.preventDefault(); return; }
      if (key === "+" || key === "-" || key === "\u2212") {
        event.preventDefault();
        rateStep(step || currentStep(steps), key);
        return;
      }
    }

    if (/^[0-9]$/.test(key)) {
      var group = target.closest && target.closest(".score-group");
      if (group) {
        event.preventDefault();
        if (pick(group.querySelector("input[data-key='" + key + "']"))) showHint(group, checkedPoint(group));
        return;
      }
      if (steps) {
        event.preventDefault();
        rateStep(step || currentStep(steps), key);
        return;
      }
      if (ranking) {
        var index = parseInt(key, 10) - 1;
        var chosen = ranking.querySelector(".rank-row[data-index='" + index + "']");
        if (chosen) { event.preventDefault(); selectRow(chosen); }
        return;
      }
      event.preventDefault();
      pick(form.querySelector("input[name=preference][data-key='" + key + "']"));
      return;
    }
    if (row) {
      if (key === "ArrowUp" || key === "ArrowLeft") { event.preventDefault(); moveRow(row, -1); return; }
      if (key === "ArrowDown" || key === "ArrowRight") { event.preventDefault(); moveRow(row, 1); return; }
      if (key === "t" || key === "T" || key === "=") { event.preventDefault(); toggleTie(row); return; }
    }
    if (steps && (step || !(target.closest && target.closest(".score-group, .preference, .final-answer, .finish-reason")))) {
      var current = step || currentStep(steps);
      if (key === "j" || key === "J" || key === "ArrowDown") {
        event.preventDefault();
        focusStep(step ? current.nextElementSibling || current : current);
        return;
      }
      if (key === "k" || key === "K" || key === "ArrowUp") {
        event.preventDefault();
        focusStep(step ? current.previousElementSibling || current : current);
      }
    }
  });

  // ---- set up each form as it arrives (page load, htmx swap) ----
  function setUp(root) {
    if (!root || !root.querySelector) return;
    var form = root.matches && root.matches("form.label-form") ? root : root.querySelector("form.label-form");
    if (!form || form.dataset.ready) return;
    form.dataset.ready = "1";
    startTimer(form);
    form.querySelectorAll(".rank-list").forEach(renumber);
    form.querySelectorAll(".step-list").forEach(function (list) {
      updateSteps(list);
      // Steps are rated from the keyboard on the step itself: its radios leave the Tab order.
      list.querySelectorAll(".step-rate input, .step-category input").forEach(function (input) { input.tabIndex = -1; });
    });
    form.querySelectorAll(".rank-select select").forEach(function (select) { select.tabIndex = -1; });
    var skip = form.querySelector("details.skip[open] input[name=reason]");
    if (skip) { skip.focus(); return; }
    if (!document.activeElement || document.activeElement === document.body || !document.body.contains(document.activeElement)) {
      // After a refused submit, bring the messages (just below the start) into view.
      focusStart(form, !!form.querySelector(".form-errors"));
    }
  }
  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("htmx:afterSettle", function () {
    // The swapped-out form held the focus; put it at the start of the new one.
    var form = labelForm();
    if (form && (!document.activeElement || document.activeElement === document.body)) {
      focusStart(form, !!form.querySelector(".form-errors"));
    }
  });
})();
