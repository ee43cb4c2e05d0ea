/* The citizen portal's comforts. Every page works without this file: the forms post as
   plain HTML. Here: a character counter, photo previews checked before sending, the
   rating's reason marked as needed, one tap per submit, and 点赞 without leaving the page. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function counter(form) {
    var max = parseInt(form.getAttribute("data-content-max") || "0", 10);
    var area = form.querySelector("#content");
    var out = form.querySelector("[data-counter-for=content]");
    if (!max || !area || !out) return;
    out.hidden = false;
    function show() {
      var n = area.value.trim().length;
      out.textContent = n + " / " + max + " 字";
      out.classList.toggle("over", n > max);
    }
    area.addEventListener("input", show);
    show();
  }

  function previews(form) {
    var input = form.querySelector("#photos");
    var list = form.querySelector("[data-previews-for=photos]");
    if (!input || !list) return;
    var most = parseInt(form.getAttribute("data-photos-max") || "0", 10);
    var mb = parseInt(form.getAttribute("data-photo-mb") || "10", 10);
    var allowed = ["image/jpeg", "image/png", "image/webp"];
    input.addEventListener("change", function () {
      list.textContent = "";
      var files = Array.prototype.slice.call(input.files || []);
      files.forEach(function (file, i) {
        var item = document.createElement("li");
        var problem = "";
        if (i >= most) problem = "超过 " + most + " 张";
        else if (allowed.indexOf(file.type) < 0) problem = "不是 JPEG/PNG/WebP 图片";
        else if (file.size > mb * 1024 * 1024) problem = "超过 " + mb + " MB";
        if (problem) {
          item.className = "bad";
          item.textContent = "第 " + (i + 1) + " 张：" + problem;
        } else {
          var img = document.createElement("img");
          img.alt = "第 " + (i + 1) + " 张照片";
          img.src = URL.createObjectURL(file);
          img.onload = function () { URL.revokeObjectURL(img.src); };
          item.appendChild(img);
        }
        list.appendChild(item);
      });
    });
  }

  function oneTap(form) {
    form.addEventListener("submit", function (event) {
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      var by = event.submitter;
      if (by && by.value === "send_code") return;
      form.setAttribute("data-sent", "1");
      var button = form.querySelector("button[type=submit]:not([value=send_code])");
      if (button) { button.textContent = "正在提交…"; button.setAttribute("aria-busy", "true"); }
    });
  }

  function reasonNote(form) {
    var note = form.querySelector("[data-reason-note]");
    var reason = form.querySelector("#reason");
    if (!note || !reason) return;
    function show() {
      var chosen = form.querySelector("input[name=rating]:checked");
      var needed = chosen && chosen.getAttribute("data-needs-reason") === "1";
      note.textContent = needed ? "必填：请写明不满意的原因" : "选择“不满意”“非常不满意”时必填";
      note.style.color = needed ? "#c4261d" : "";
      reason.required = !!needed;
    }
    form.addEventListener("change", show);
    show();
  }

  function likes() {
    document.querySelectorAll("form[data-like]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.fetch) return;
        event.preventDefault();
        var button = form.querySelector("button");
        button.disabled = true;
        fetch(form.action, {
          method: "POST",
          body: new FormData(form),
          headers: { Accept: "application/json" },
          credentials: "same-origin"
        }).then(function (r) {
          if (!r.ok) throw new Error(String(r.status));
          return r.json();
        }).then(function (data) {
          button.classList.add("on");
          button.setAttribute("aria-pressed", "true");
          button.querySelector("span").textContent = "已点赞";
          button.querySelector("[data-likes]").textContent = String(data.likes);
        }).catch(function () { form.submit(); });
      });
    });
  }

  var form = document.getElementById("new-form");
  if (form) { counter(form); previews(form); oneTap(form); }
  var follow = document.getElementById("follow-form");
  if (follow) oneTap(follow);
  var rate = document.getElementById("rate-form");
  if (rate) { reasonNote(rate); oneTap(rate); }
  likes();
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-sent]").forEach(function (f) { f.removeAttribute("data-sent"); });
  });
})();
