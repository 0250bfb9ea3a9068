// Copy buttons of the client-credentials page. A button with
// data-copy="ID" copies the value of the input with that id: through the
// Clipboard API when the page is a secure context, else by selecting the
// text and asking the browser to copy it (the text stays selected, so
// Ctrl+C works if even that is refused). Loaded from our own origin (the
// page's CSP allows no inline script); nothing here is sent anywhere.
(function () {
  'use strict';
  var status = document.getElementById('copy-status');
  function say(text) {
    if (status) status.textContent = text;
  }
  function selectAll(input) {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
  }
  function fallback(input, what) {
    selectAll(input);
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (e) {
      ok = false;
    }
    say(ok ? what + ' copied.' : what + ' selected: press Ctrl+C (or Cmd+C) to copy.');
  }
  var buttons = document.querySelectorAll('button[data-copy]');
  Array.prototype.forEach.call(buttons, function (btn) {
    var input = document.getElementById(btn.getAttribute('data-copy'));
    if (!input) return;
    var label = document.querySelector('label[for="' + input.id + '"]');
    var what = label ? label.textContent.trim() : 'Value';
    btn.hidden = false;
    btn.addEventListener('click', function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () {
          selectAll(input);
          say(what + ' copied.');
        }, function () {
          fallback(input, what);
        });
      } else {
        fallback(input, what);
      }
    });
  });
})();
