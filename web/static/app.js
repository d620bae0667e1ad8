// netcmdb web: progressive enhancement only (every page works without this file).
// - search box: results as you type (from /api/v1/search), rendered with textContent only
// - impact page: "add another" target field
"use strict";
(function () {
  function debounce(fn, ms) {
    var t = null;
    return function () { var a = arguments; clearTimeout(t); t = setTimeout(function () { fn.apply(null, a); }, ms); };
  }
  function suggest() {
    var box = document.getElementById("q");
    var list = document.getElementById("suggest");
    if (!box || !list) return;
    var seq = 0;
    var run = debounce(function () {
      var q = box.value.trim();
      var mine = ++seq;
      if (q.length < 2) { list.hidden = true; list.textContent = ""; return; }
      fetch(box.dataset.suggest + "?limit=10&q=" + encodeURIComponent(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {hits: []}; })
        .then(function (data) {
          if (mine !== seq) return;  // an older answer arriving late
          list.textContent = "";
          (data.hits || []).forEach(function (h) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            if (h.kind === "room") {
              a.href = "/room/" + encodeURIComponent(h.code || "");
              a.textContent = (h.code || "") + " " + (h.name || "");
            } else {
              a.href = "/ci/" + encodeURIComponent(h.id);
              a.textContent = h.name;
              var s = document.createElement("span");
              s.className = "muted";
              s.textContent = " " + [h.label, h.ip, h.mac, h.room_name].filter(Boolean).join(" · ");
              a.appendChild(s);
            }
            li.appendChild(a);
            list.appendChild(li);
          });
          list.hidden = list.children.length === 0;
        })
        .catch(function () { list.hidden = true; });
    }, 150);
    box.addEventListener("input", run);
    box.addEventListener("keydown", function (e) { if (e.key === "Escape") { list.hidden = true; } });
  }
  function impactTargets() {
    var btn = document.getElementById("add-target");
    var holder = document.getElementById("targets");
    if (!btn || !holder) return;
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var inp = document.createElement("input");
      inp.name = "t"; inp.maxLength = 200; inp.className = "target";
      holder.appendChild(inp);
      inp.focus();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { suggest(); impactTargets(); });
})();
