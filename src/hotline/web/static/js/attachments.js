/* 附件: drop zones for the forms that carry files, and the image viewer (a <dialog>). */
(function () {
  "use strict";

  function sizeText(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function listFiles(zone) {
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector("[data-dropzone-list]");
    if (!input || !list) return;
    list.textContent = "";
    Array.prototype.forEach.call(input.files || [], function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + "（" + sizeText(file.size) + "）"; // text, never HTML
      list.appendChild(item);
    });
    zone.classList.toggle("has-files", !!(input.files && input.files.length));
  }

  function setup(zone) {
    if (zone.dataset.ready) return;
    zone.dataset.ready = "1";
    var input = zone.querySelector("input[type=file]");
    input.addEventListener("change", function () { listFiles(zone); });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (evt) {
        evt.preventDefault();
        zone.classList.add("dragging");
      });
    });
    ["dragleave", "dragend"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    zone.addEventListener("drop", function (evt) {
      evt.preventDefault();
      zone.classList.remove("dragging");
      if (!evt.dataTransfer || !evt.dataTransfer.files.length) return;
      var all = new DataTransfer(); // keep what was picked before, add what was dropped
      Array.prototype.forEach.call(input.files || [], function (f) { all.items.add(f); });
      Array.prototype.forEach.call(evt.dataTransfer.files, function (f) { all.items.add(f); });
      input.files = all.files;
      listFiles(zone);
    });
    var form = zone.closest("form");
    if (form) form.addEventListener("reset", function () { setTimeout(function () { listFiles(zone); }, 0); });
  }

  function setupAll(root) {
    (root || document).querySelectorAll("[data-dropzone]").forEach(setup);
  }

  /* The viewer: a thumbnail opens its image in the dialog. */
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-viewer-src]");
    if (!button) return;
    var dialog = document.getElementById("image-viewer");
    if (!dialog || !dialog.showModal) {
      window.open(button.dataset.viewerSrc, "_blank", "noopener");
      return;
    }
    dialog.querySelector("[data-viewer-img]").src = button.dataset.viewerSrc;
    dialog.querySelector("[data-viewer-img]").alt = button.dataset.viewerTitle || "";
    dialog.querySelector("[data-viewer-title]").textContent = button.dataset.viewerTitle || "";
    dialog.querySelector("[data-viewer-download]").href = button.dataset.viewerSrc;
    dialog.showModal();
  });
  document.addEventListener("click", function (evt) {
    if (evt.target.matches && evt.target.matches("dialog.viewer")) evt.target.close(); // the backdrop
  });

  document.addEventListener("DOMContentLoaded", function () { setupAll(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { setupAll(evt.target); });
})();
