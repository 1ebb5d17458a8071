// Tocsin console: ticking durations and the live incident list (Server-Sent Events).
// Pages read without this script; it only keeps them current.
(function () {
  "use strict";
  var source = null;

  function duration(seconds) {
    var t = Math.max(0, Math.floor(seconds));
    var d = Math.floor(t / 86400), h = Math.floor(t % 86400 / 3600);
    var m = Math.floor(t % 3600 / 60), s = t % 60;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    if (d) { return d + "d " + two(h) + "h"; }
    if (h) { return h + "h " + two(m) + "m"; }
    return m + "m " + two(s) + "s";
  }

  function tick() {
    var now = Date.now() / 1000;
    document.querySelectorAll(".ticking[data-since]").forEach(function (el) {
      el.textContent = duration(now - parseFloat(el.dataset.since));
    });
  }

  function place(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var tile = holder.content.firstElementChild;
    if (!tile) { return; }
    var old = document.getElementById(tile.id);
    if (old) { old.remove(); }
    var list = document.getElementById(
      tile.dataset.status === "OPEN" ? "open-list" : "resolved-list");
    if (tile.dataset.status !== "DELETED" && list) {
      if (!old) { tile.classList.add("fresh"); }
      list.prepend(tile);
      if (window.htmx) { window.htmx.process(tile); }
    }
    var count = document.getElementById("open-count");
    var open = document.getElementById("open-list");
    if (count && open) { count.textContent = open.children.length; }
    var empty = document.getElementById("open-empty");
    if (empty && open && open.children.length) { empty.remove(); }
    tick();
  }

  var refreshing = null;
  var latest = null;

  function same(a, b) {
    // Durations tick in the browser: they are not a change.
    function norm(el) {
      return el.outerHTML.replace(/<span class="ticking"[^>]*>[^<]*<\/span>/g, "");
    }
    return norm(a) === norm(b);
  }

  function showLatest() {
    var pane = document.querySelector(".pane");
    var next = latest && latest.querySelector(".pane");
    if (pane && next) {
      pane.replaceWith(next);
      if (window.htmx) { window.htmx.process(next); }
    }
    latest = null;
    var button = document.getElementById("show-latest");
    if (button) { button.hidden = true; }
    var status = document.getElementById("live-status");
    if (status) { status.textContent = ""; }
  }

  // Something happened to the incident on screen (another responder, a runbook, a page):
  // read the page again; the banner's facts and the tabs' counters follow at once, and
  // the open tab offers its new content rather than moving under the responder's hands.
  function changed() {
    if (refreshing) { clearTimeout(refreshing); }
    refreshing = setTimeout(function () {
      refreshing = null;
      fetch(window.location.href, {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html");
          ["#incident-title", ".banner dl"].forEach(function (sel) {
            var now = document.querySelector(sel), next = fresh.querySelector(sel);
            if (now && next && !same(now, next)) { now.replaceWith(next); }
          });
          var links = document.querySelectorAll("nav.tabs a");
          var nextLinks = fresh.querySelectorAll("nav.tabs a");
          links.forEach(function (a, i) {
            if (nextLinks[i] && a.innerHTML !== nextLinks[i].innerHTML) {
              a.innerHTML = nextLinks[i].innerHTML;
            }
          });
          var pane = document.querySelector(".pane"), nextPane = fresh.querySelector(".pane");
          if (pane && nextPane && !same(pane, nextPane)) {
            latest = fresh;
            var status = document.getElementById("live-status");
            if (status) { status.textContent = "This tab has new updates."; }
            var button = document.getElementById("show-latest");
            if (button) { button.hidden = false; }
          }
          document.body.dataset.refreshed = String(Date.now());
          tick();
        });
    }, 250);
  }

  function live() {
    var list = document.getElementById("open-list");
    var incident = document.querySelector("[data-incident-live]");
    var url = list ? list.dataset.live : (incident ? incident.dataset.incidentLive : null);
    if (source && (!url || source.url.indexOf(url) < 0)) { source.close(); source = null; }
    if (!url || source || !window.EventSource) { return; }
    var status = document.getElementById("live-status");
    source = new EventSource(url);
    source.addEventListener("ready", function () {
      document.body.dataset.live = "ready";
      document.body.dataset.liveUrl = url;
      if (status && list) { status.textContent = "Live: new incidents appear here."; }
    });
    source.addEventListener("incident", function (e) { place(e.data); });
    source.addEventListener("changed", changed);
    source.onerror = function () {
      document.body.dataset.live = "reconnecting";
      if (status) { status.textContent = "Reconnecting to the live feed…"; }
    };
  }

  function start() {
    tick();
    live();
    var button = document.getElementById("show-latest");
    if (button && !button.dataset.bound) {
      button.dataset.bound = "1";
      button.addEventListener("click", showLatest);
    }
  }
  document.addEventListener("DOMContentLoaded", start);
  document.addEventListener("htmx:afterSettle", start);
  setInterval(tick, 1000);
}());
