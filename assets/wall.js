/* The wall's small client side: tick durations and the clock every second (and as soon as a refresh redraws
   them), rotate kiosk pages, keep the screen awake, and beep (when asked) on a new unacknowledged alert.
   No clicks needed. */
(function () {
  "use strict";
  function wall() { return document.querySelector(".wall"); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".wall .tick[data-since]").forEach(function (el) {
      var since = Date.parse(el.getAttribute("data-since"));
      if (isNaN(since)) { return; }
      var age = (now - since) / 1000;
      el.textContent = duration(age);
      if (el.closest(".wfig--big")) { el.classList.toggle("is-long", el.textContent.length >= 8); }  // 10:00:00 on
      var card = el.closest(".acard");
      if (card) {
        var warn = parseFloat(card.getAttribute("data-warn")), crit = parseFloat(card.getAttribute("data-crit"));
        card.classList.toggle("is-critical", !isNaN(crit) && age >= crit);
        card.classList.toggle("is-warning", !isNaN(warn) && age >= warn && !(age >= crit));
      }
    });
    var clock = document.getElementById("wall-clock");
    if (clock && clock.dataset.offset !== undefined) {
      var d = new Date(now + parseFloat(clock.dataset.offset));
      clock.textContent = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    }
  }
  function query() { return new URLSearchParams(window.location.search); }
  function go(path) {
    var q = window.location.search;
    window.history.pushState({}, "", path + q);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  }
  var PAGES = { wall: "/wall", agents: "/wall/agents", alerts: "/alerts" };
  var shownAt = Date.now(), shownPath = window.location.pathname;
  function rotate() {
    var rotation = (query().get("rotate") || "").split(",").filter(function (p) { return PAGES[p]; });
    if (rotation.length < 2) { return; }
    if (window.location.pathname !== shownPath) { shownPath = window.location.pathname; shownAt = Date.now(); }
    var critical = document.querySelector(".wall [data-critical-unacked='1']");
    if (critical) {  // a critical alert nobody acknowledged pins the wall
      if (window.location.pathname !== PAGES.wall) { go(PAGES.wall); }
      shownAt = Date.now();
      return;
    }
    var dwell = parseFloat(query().get("dwell") || "30") * 1000;
    if (Date.now() - shownAt < dwell) { return; }
    var current = rotation.findIndex(function (p) { return PAGES[p] === window.location.pathname; });
    go(PAGES[rotation[(current + 1) % rotation.length]]);
  }
  var lock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible" || lock) { return; }
    navigator.wakeLock.request("screen").then(function (l) {
      lock = l; l.addEventListener("release", function () { lock = null; });
    }).catch(function () { lock = null; });
  }
  var heard = 0;
  function beep() {
    var el = wall();
    if (!el || query().get("sound") !== "1" || localStorage.getItem("ccpulse-muted") === "1") { return; }
    var count = document.querySelectorAll(".wall .wbanner__ack").length;
    if (count > heard) {
      try {
        var ctx = new (window.AudioContext || window.webkitAudioContext)();
        var osc = ctx.createOscillator(); osc.frequency.value = 880; osc.connect(ctx.destination);
        osc.start(); osc.stop(ctx.currentTime + 0.4);
      } catch (e) { /* no audio here: the banner still shows */ }
    }
    heard = count;
  }
  // a refresh may bring a render made a few seconds earlier for another display: tick it before it is painted
  var redrawn = new MutationObserver(function () {
    if (wall()) { tick(); }
    redrawn.takeRecords();  // what tick itself changed
  });
  redrawn.observe(document.documentElement, { childList: true, subtree: true });
  document.addEventListener("visibilitychange", keepAwake);
  setInterval(function () { tick(); rotate(); keepAwake(); beep(); }, 1000);
  window.ccpulseWall = { duration: duration };
})();
