// AG Grid value formatters for the drill-down grids: no value is a dash, durations as m:ss or h:mm:ss.
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});
dagfuncs.ccDuration = function (value) {
  if (value === null || value === undefined) { return "\u2013"; }
  var s = Math.max(0, Math.round(value)), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  var ss = String(s % 60).padStart(2, "0");
  return h > 0 ? h + ":" + String(m).padStart(2, "0") + ":" + ss : m + ":" + ss;
};
