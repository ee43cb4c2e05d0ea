/* hotline console: small vanilla helpers around htmx (no framework, no inline scripts). */
(function () {
  "use strict";

  function toast(message, kind) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast toast-" + (kind || "info");
    el.textContent = message; // always text, never HTML
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, kind === "error" ? 8000 : 4000);
  }
  window.hotlineToast = toast;

  /* The API's errors are {code, message}: show the Chinese message next to the form and as a toast. */
  function errorMessage(xhr) {
    if (!xhr) return "网络异常，请检查连接后重试";
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.message) return body.message;
    } catch (e) { /* not JSON */ }
    if (xhr.status === 0) return "网络异常，请检查连接后重试";
    return "操作失败（" + xhr.status + "），请稍后重试";
  }

  function showError(elt, message) {
    var form = elt && (elt.tagName === "FORM" ? elt : elt.closest("form"));
    var slot = form && form.querySelector(".form-error");
    if (slot) slot.textContent = message;
    toast(message, "error");
  }

  document.addEventListener("htmx:responseError", function (evt) {
    showError(evt.detail.elt, errorMessage(evt.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function (evt) {
    showError(evt.detail.elt, "网络异常，请检查连接后重试");
  });
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt.closest && evt.detail.elt.closest("form");
    var slot = form && form.querySelector(".form-error");
    if (slot) slot.textContent = "";
  });

  /* A one-shot value (the adopted answer) never outlives the request it was sent with. */
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (elt && elt.querySelectorAll) {
      elt.querySelectorAll("[data-clear-after-request]").forEach(function (f) { f.value = ""; });
    }
  });

  /* Forms marked data-reset-on-success start fresh for the next call (kept: data-keep fields). */
  document.addEventListener("htmx:afterRequest", function (evt) {
    var elt = evt.detail.elt;
    if (!evt.detail.successful || !elt.matches || !elt.matches("form[data-reset-on-success]")) return;
    var kept = {};
    elt.querySelectorAll("[data-keep]").forEach(function (f) { kept[f.name] = f.value; });
    elt.reset();
    elt.querySelectorAll("[data-keep]").forEach(function (f) { f.value = kept[f.name]; });
    updateCounters();
    var first = elt.querySelector("[autofocus]") || elt.querySelector("input, textarea");
    if (first) first.focus();
  });

  /* Ctrl+Enter (or ⌘+Enter) submits forms marked data-ctrl-enter. */
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey)) {
      var form = evt.target.closest && evt.target.closest("form[data-ctrl-enter]");
      if (form) {
        evt.preventDefault();
        form.requestSubmit();
      }
      return;
    }
    /* "/" focuses the search box, as on most consoles. */
    if (evt.key === "/" && !/^(INPUT|TEXTAREA|SELECT)$/.test(evt.target.tagName)) {
      var box = document.querySelector("[data-hotkey='/']");
      if (box) { evt.preventDefault(); box.focus(); }
    }
  });

  /* Character counters: <span data-count-for="id">. */
  function updateCounters() {
    document.querySelectorAll("[data-count-for]").forEach(function (span) {
      var field = document.getElementById(span.getAttribute("data-count-for"));
      if (field) span.textContent = field.value.length + " / " + (field.maxLength > 0 ? field.maxLength : "");
    });
  }
  document.addEventListener("input", function (evt) {
    if (evt.target.id && document.querySelector("[data-count-for='" + evt.target.id + "']")) updateCounters();
  });

  /* Countdowns: the server gives the seconds left when the page was made; tick from there. */
  function fmt(seconds) {
    var s = Math.abs(seconds), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    if (d) return d + "天" + (h ? h + "小时" : "");
    if (h) return h + "小时" + (m ? m + "分" : "");
    return Math.max(m, 1) + "分钟";
  }
  var loaded = Date.now();
  function tick() {
    var passed = Math.floor((Date.now() - loaded) / 1000);
    document.querySelectorAll("[data-remaining]").forEach(function (el) {
      var left = parseInt(el.getAttribute("data-remaining"), 10) - passed;
      if (isNaN(left)) return;
      el.textContent = left >= 0 ? "剩余 " + fmt(left) : "已超期 " + fmt(left);
      if (left < 0) { el.classList.remove("cd-ok", "cd-warn"); el.classList.add("cd-late"); }
    });
  }
  setInterval(tick, 30000);

  /* "采用" buttons of the machine's hints fill the form; the values come from data-*
     attributes (text, never HTML) and nothing is sent until the operator submits. */
  function changed(field) {
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  }
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-fill], [data-check], [data-answer-submit]");
    if (!button) return;
    if (button.hasAttribute("data-fill")) {
      var field = document.getElementById(button.getAttribute("data-fill"));
      if (!field) return;
      field.value = button.getAttribute("data-value") || "";
      changed(field);
      field.focus();
      updateCounters();
    } else if (button.hasAttribute("data-check")) {
      var radio = document.getElementById(button.getAttribute("data-check"));
      if (!radio) return;
      radio.checked = true;
      changed(radio);
    } else {
      var form = document.getElementById("intake-form");
      var answer = document.getElementById("f-answer");
      if (!form || !answer) return;
      answer.value = button.getAttribute("data-answer") || "";
      form.requestSubmit();
    }
  });

  /* Bulk actions: a "select all" box and the count of selected rows. */
  function boxes(form) {
    return Array.prototype.filter.call(form.elements, function (e) { return e.name === "ids"; });
  }
  function bulkCount(form) {
    var n = boxes(form).filter(function (b) { return b.checked && b.isConnected; }).length;
    form.querySelectorAll("[data-selected-count]").forEach(function (el) { el.textContent = n; });
  }
  document.addEventListener("change", function (evt) {
    var box = evt.target;
    if (!box.form || !box.form.matches("form[data-bulk]")) return;
    if (box.hasAttribute("data-check-all")) {
      boxes(box.form).forEach(function (b) { if (!b.disabled) b.checked = box.checked; });
    }
    bulkCount(box.form);
  });
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("form[data-bulk]").forEach(bulkCount);
  });

  /* "Back" links go back in history when there is one. */
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("[data-back]");
    if (link && window.history.length > 1 && document.referrer.indexOf(location.origin) === 0) {
      evt.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("DOMContentLoaded", updateCounters);
})();
