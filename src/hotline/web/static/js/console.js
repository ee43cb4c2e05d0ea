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

  /* The intake form: the machine's type and urgency are preselected when its hints come,
     and marked as the machine's; a choice of the operator's own is never overwritten.
     The suggested title fills the title field until the operator edits it. */
  function intakeForm() { return document.getElementById("intake-form"); }
  function markMachine(field, value, label) {
    var mark = document.getElementById(field + "-machine");
    document.querySelectorAll("input[name='" + field + "']").forEach(function (r) {
      r.closest("label").classList.toggle("seg-machine", !!value && r.value === value);
    });
    if (!mark) return;
    mark.hidden = !value;
    mark.textContent = value ? "机器建议：" + label + "（可改）" : "";
  }
  function clearMachine() {
    markMachine("type", "", "");
    markMachine("urgency", "", "");
  }
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "suggest") return;
    var hint = document.getElementById("machine-kind"), source = document.getElementById("f-kind-source");
    if (!hint || !source) return;
    if (source.value !== "operator") {
      ["type", "urgency"].forEach(function (field) {
        var value = hint.getAttribute("data-" + field);
        var radio = value && document.getElementById("f-" + field + "-" + value);
        if (!radio) return;
        radio.checked = true;
        markMachine(field, value, radio.nextElementSibling ? radio.nextElementSibling.textContent : value);
        source.value = "machine";
      });
    }
    var title = document.getElementById("f-title");
    if (title && !title.hasAttribute("data-edited") && hint.getAttribute("data-title")) {
      title.value = hint.getAttribute("data-title");
    }
  });
  document.addEventListener("change", function (evt) {
    var field = evt.target;
    if (!field.form || field.form !== intakeForm() || !evt.isTrusted) return;
    if (field.name === "type" || field.name === "urgency") {
      document.getElementById("f-kind-source").value = "operator";
      markMachine(field.name, "", "");
    }
  });
  document.addEventListener("input", function (evt) {
    if (evt.target.id === "f-title" && evt.isTrusted) evt.target.setAttribute("data-edited", "");
    /* the next call begins: the previous call's result gives way to a one-line reminder */
    var form = intakeForm();
    if (!form || evt.target.form !== form || !form.hasAttribute("data-submitted")) return;
    form.removeAttribute("data-submitted");
    var result = document.getElementById("intake-result");
    var number = result && result.querySelector("[data-ticket-number]");
    if (result) {
      result.textContent = "";
      if (number) {
        var p = document.createElement("p");
        p.className = "muted small result-previous";
        p.textContent = "上一张工单 " + number.getAttribute("data-ticket-number") + " 已保存（见“我最近受理”）。";
        result.appendChild(p);
      }
    }
  });
  document.addEventListener("reset", function (evt) {
    if (evt.target !== intakeForm()) return;
    clearMachine();
    var title = document.getElementById("f-title");
    if (title) title.removeAttribute("data-edited");
  });
  /* After a submit the form is ready for the next call: no hints, no marks of the last one. */
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (!evt.detail.successful || form !== intakeForm()) return;
    var panel = document.getElementById("suggest");
    if (panel) {
      panel.textContent = "";
      var p = document.createElement("p");
      p.className = "muted";
      p.textContent = "输入事发地址或诉求内容后，将在此提示所属镇街和建议承办单位。";
      panel.appendChild(p);
    }
    clearMachine();
    document.getElementById("f-kind-source").value = "";
    var title = document.getElementById("f-title");
    if (title) title.removeAttribute("data-edited");
    form.setAttribute("data-submitted", "");
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
      var source = document.getElementById("f-kind-source");
      if (source && (radio.name === "type" || radio.name === "urgency")) {
        source.value = "operator"; // adopted by the operator: theirs now
        markMachine(radio.name, "", "");
      }
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

  /* The unit picker's search box: typing hides the units whose name does not match. */
  document.addEventListener("input", function (evt) {
    var box = evt.target;
    if (!box.matches || !box.matches("[data-unit-search]")) return;
    var select = box.parentNode.querySelector("select[data-unit-picker]");
    if (!select) return;
    var term = box.value.trim();
    var first = null;
    Array.prototype.forEach.call(select.options, function (o) {
      if (!o.value) return;
      var hit = !term || o.textContent.indexOf(term) >= 0;
      o.hidden = !hit;
      if (hit && !first) first = o;
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
      g.hidden = !Array.prototype.some.call(g.children, function (o) { return !o.hidden; });
    });
    if (term && first && (select.selectedIndex < 0 || select.options[select.selectedIndex].hidden)) {
      select.value = first.value;
    }
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Enter" || !evt.target.matches || !evt.target.matches("[data-unit-search]")) return;
    evt.preventDefault(); // Enter in the search box picks, it does not submit
    var select = evt.target.parentNode.querySelector("select[data-unit-picker]");
    if (select) select.focus();
  });

  /* Keyboard: J / K move through a queue's tickets, Enter (or A) takes the row's main
     action, O opens the ticket; on a ticket page J opens the next ticket of the queue and
     P prints; ? shows the list. Never while typing in a field. */
  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll("tr[data-row]"), function (r) { return r.isConnected; });
  }
  function current() { return document.querySelector("tr[data-row].row-current"); }
  function mark(row) {
    rows().forEach(function (r) { r.classList.remove("row-current"); });
    if (!row) return;
    row.classList.add("row-current");
    row.scrollIntoView({ block: "nearest" });
    var main = row.querySelector("[data-main]");
    if (main) main.focus({ preventScroll: true });
  }
  function move(step) {
    var list = rows(), at = list.indexOf(current());
    var next = list[Math.min(Math.max(at + step, 0), list.length - 1)];
    if (at < 0) next = list[0];
    mark(next);
  }
  window.hotlineNextRow = function () { move(1); };
  /* After an action on a row, the next ticket of the queue has the attention. */
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var row = evt.detail.target && evt.detail.target.closest && evt.detail.target.closest("tr[data-row]");
    if (!row || !evt.detail.shouldSwap) return;
    var list = rows(), at = list.indexOf(row);
    var next = list.slice(at + 1)[0] || list.slice(0, at).reverse()[0] || null;
    setTimeout(function () { mark(next); }, 0);
  });
  function typing(target) {
    return /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable;
  }
  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey || typing(evt.target)) return;
    var key = evt.key;
    if (key === "?") {
      var dialog = document.getElementById("hotkeys");
      if (dialog && !dialog.open) { evt.preventDefault(); dialog.showModal(); }
      return;
    }
    if (key === "j" || key === "J" || key === "ArrowDown" && rows().length && current()) {
      var link = document.querySelector("[data-next-ticket]");
      if (rows().length) { evt.preventDefault(); move(1); }
      else if (link && (key === "j" || key === "J")) { evt.preventDefault(); link.click(); }
      return;
    }
    if (key === "k" || key === "K" || key === "ArrowUp" && rows().length && current()) {
      if (rows().length) { evt.preventDefault(); move(-1); }
      return;
    }
    var row = current();
    if ((key === "a" || key === "A" || key === "Enter") && row && evt.target.tagName !== "BUTTON" && evt.target.tagName !== "A") {
      var main = row.querySelector("[data-main]");
      if (main) { evt.preventDefault(); main.click(); }
      return;
    }
    if ((key === "o" || key === "O") && row) {
      var open = row.querySelector("a.ticket-no");
      if (open) { evt.preventDefault(); open.click(); }
      return;
    }
    if (key === "p" || key === "P") {
      var print = document.querySelector("[data-print]");
      if (print) { evt.preventDefault(); print.click(); }
    }
  });
  document.addEventListener("click", function (evt) {
    var opener = evt.target.closest && evt.target.closest("[data-hotkeys-open]");
    if (opener) {
      var dialog = document.getElementById("hotkeys");
      if (dialog) { evt.preventDefault(); dialog.showModal(); }
    }
    var row = evt.target.closest && evt.target.closest("tr[data-row]");
    if (row) rows().forEach(function (r) { r.classList.toggle("row-current", r === row); });
  });

  /* 导出 Excel of many tickets: the file is written while it downloads; say how far it is
     (the rows it holds, the megabytes received) instead of a silent wait. */
  function exportStatus(link, text) {
    var slot = document.getElementById(link.getAttribute("data-export"));
    if (slot) slot.textContent = text;
  }
  function megabytes(n) { return (n / 1048576).toFixed(1) + " MB"; }
  document.addEventListener("click", function (evt) {
    var link = evt.target.closest && evt.target.closest("a[data-export]");
    if (!link || !window.fetch || !window.ReadableStream || !window.URL) return;
    evt.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    exportStatus(link, "正在准备导出…");
    fetch(link.href, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (body) { throw new Error(body.message); },
          function () { throw new Error("导出失败（" + response.status + "），请稍后重试"); });
      }
      var rows = Number(response.headers.get("X-Export-Rows") || 0).toLocaleString("zh-CN");
      var named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
      var reader = response.body.getReader();
      var parts = [];
      var received = 0;
      exportStatus(link, "正在导出 " + rows + " 条工单…");
      function pump() {
        return reader.read().then(function (step) {
          if (step.done) return;
          parts.push(step.value);
          received += step.value.length;
          exportStatus(link, "正在导出 " + rows + " 条工单，已接收 " + megabytes(received));
          return pump();
        });
      }
      return pump().then(function () {
        var url = URL.createObjectURL(new Blob(parts, { type: response.headers.get("Content-Type") }));
        var save = document.createElement("a");
        save.href = url;
        save.download = named ? named[1] : "工单.xlsx";
        document.body.appendChild(save);
        save.click();
        save.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        exportStatus(link, "已导出 " + rows + " 条工单（" + megabytes(received) + "）");
      });
    }).catch(function (error) {
      var message = (error && error.message) || "网络异常，请检查连接后重试";
      exportStatus(link, message);
      toast(message, "error");
    }).then(function () { link.removeAttribute("aria-busy"); });
  });

  document.addEventListener("DOMContentLoaded", updateCounters);
})();
