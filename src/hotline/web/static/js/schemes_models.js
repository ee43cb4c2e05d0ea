// 考核方案 and 模型管理: load the chosen base scheme, grey out unused indicators, and ask
// before a step that needs a second thought (forcing a worse model into use).
(function () {
  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el.matches('select[data-autosubmit]')) el.form.submit();
    if (el.matches('#scheme-rules input[type=checkbox]')) {
      el.closest('tr').classList.toggle('off', !el.checked);
    }
  });
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
