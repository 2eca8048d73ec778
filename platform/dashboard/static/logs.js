// Live logs on the app page (dashboard/logs.ts sends them as Server-Sent
// Events). Lines are added as text, never as HTML. EventSource reconnects by
// itself after a dropped stream; when it gives up (a closed stream), this
// starts a new one after the last line seen.
(function () {
  'use strict';
  var box = document.getElementById('log-lines');
  var state = document.getElementById('log-state');
  if (!box || !state || !window.EventSource) return;
  var stream = box.getAttribute('data-stream');
  var last = '';
  var source = null;
  box.hidden = false;

  function say(text) { state.textContent = text; }

  function add(entry) {
    var line = document.createElement('div');
    line.className = entry.stream === 'stderr' ? 'line stderr' : 'line';
    line.textContent = entry.time.slice(11, 19) + ' ' + entry.source + ': ' + entry.line;
    box.appendChild(line);
    while (box.childNodes.length > 1000) box.removeChild(box.firstChild);
    box.scrollTop = box.scrollHeight;
  }

  function connect() {
    source = new EventSource(last ? stream + '?after=' + encodeURIComponent(last) : stream);
    source.onopen = function () { say('Live: new lines appear as they are written.'); };
    source.onmessage = function (event) {
      if (event.lastEventId) last = event.lastEventId;
      add(JSON.parse(event.data));
    };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        say('Disconnected: trying again in 5 seconds.');
        setTimeout(connect, 5000);
      } else {
        say('Reconnecting…');
      }
    };
  }
  say('Connecting…');
  connect();
})();
