/* 大屏: reads GET /api/v1/stats/overview every minute and draws it (ECharts, SVG renderer). */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root || typeof echarts === "undefined") return;

  var SRC = root.getAttribute("data-src");
  var REFRESH = (parseInt(root.getAttribute("data-refresh"), 10) || 60) * 1000;
  var FONT = getComputedStyle(document.body).fontFamily;
  var TEXT = "#dce8ff", MUTED = "#7f95bd", LINE = "rgba(64,158,255,.18)";
  var ACCENT = "#37c6ff", RED = "#ff5b5b", YELLOW = "#ffc53d", GREEN = "#3ddc97";
  var PALETTE = ["#37c6ff", "#3ddc97", "#ffc53d", "#ff7a45", "#9d7bff", "#5b8ff9", "#ff5b5b"];
  var charts = {};

  function chart(id) {
    if (!charts[id]) {
      var el = document.getElementById(id);
      charts[id] = echarts.init(el, null, { renderer: "svg" });
    }
    return charts[id];
  }

  function text(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  function num(n) { return (n === null || n === undefined) ? "—" : Number(n).toLocaleString("zh-CN"); }
  function pct(x) { return (x === null || x === undefined) ? "—" : (x * 100).toFixed(1) + "%"; }

  function base() {
    return { textStyle: { fontFamily: FONT, color: TEXT }, animationDuration: 600, color: PALETTE };
  }

  function drawTrend(trend) {
    var opt = base();
    opt.grid = { left: 44, right: 16, top: 24, bottom: 28 };
    opt.tooltip = { trigger: "axis", renderMode: "richText" };
    opt.xAxis = {
      type: "category", data: trend.map(function (d) { return d.date.slice(5); }),
      axisLine: { lineStyle: { color: LINE } }, axisLabel: { color: MUTED, fontSize: 12 }, axisTick: { show: false }
    };
    opt.yAxis = { type: "value", minInterval: 1, splitLine: { lineStyle: { color: LINE } }, axisLabel: { color: MUTED } };
    opt.series = [{
      type: "line", name: "受理量", smooth: 0.25, symbol: "circle", symbolSize: 5,
      data: trend.map(function (d) { return d.count; }),
      lineStyle: { width: 3, color: ACCENT }, itemStyle: { color: ACCENT },
      areaStyle: { color: new echarts.graphic.LinearGradient(0, 0, 0, 1, [
        { offset: 0, color: "rgba(55,198,255,.45)" }, { offset: 1, color: "rgba(55,198,255,0)" }]) }
    }];
    chart("chart-trend").setOption(opt, true);
  }

  var lastTypes = null;

  function drawTypes(types) {
    lastTypes = types;
    // The ring and its legend share the panel's width: on a 1400-px screen the panel is
    // ~310 px wide, and a ring sized by the height alone ran off its left edge.
    var c = chart("chart-types"), w = c.getWidth(), h = c.getHeight();
    var narrow = w < 360;
    var outer = Math.max(40, Math.min(w * (narrow ? 0.24 : 0.27), h * 0.37));
    var total = types.reduce(function (sum, t) { return sum + t.count; }, 0);
    var byName = {};
    types.forEach(function (t) { byName[t.label] = t.count; });
    var opt = base();
    opt.tooltip = { trigger: "item", renderMode: "richText", formatter: "{b}：{c} 件（{d}%）" };
    opt.legend = {
      orient: "vertical", right: 6, top: "middle", itemGap: 14, itemWidth: 12, itemHeight: 12,
      textStyle: { color: TEXT, fontSize: narrow ? 13 : 15 },
      formatter: function (name) {
        var n = byName[name] || 0;
        return name + "  " + n + " 件  " + (total ? (n * 100 / total).toFixed(1) : "0.0") + "%";
      }
    };
    opt.series = [{
      type: "pie", radius: [outer * 0.62, outer], center: [Math.max(outer + 8, w * 0.28), "52%"],
      itemStyle: { borderColor: "#06122b", borderWidth: 2 },
      label: { show: true, position: "center", formatter: function () { return "{n|" + num(total) + "}\n{t|近30日合计}"; },
        rich: { n: { fontSize: narrow ? 20 : 26, fontWeight: 700, color: "#fff", lineHeight: narrow ? 26 : 34 }, t: { fontSize: narrow ? 11 : 13, color: MUTED } } },
      emphasis: { scale: true, label: { show: true } },
      data: types.length ? types.map(function (t) { return { name: t.label, value: t.count }; }) : [{ name: "暂无数据", value: 0 }]
    }];
    c.setOption(opt, true);
  }

  function drawUnits(units) {
    var top = units.slice(0, 10).reverse();
    var opt = base();
    opt.grid = { left: 150, right: 70, top: 8, bottom: 20 };
    opt.tooltip = { trigger: "axis", renderMode: "richText", axisPointer: { type: "shadow" } };
    opt.xAxis = { type: "value", splitLine: { lineStyle: { color: LINE } }, axisLabel: { color: MUTED } };
    opt.yAxis = { type: "category", data: top.map(function (u) { return u.name; }), axisLabel: { color: TEXT, fontSize: 13 }, axisLine: { lineStyle: { color: LINE } }, axisTick: { show: false } };
    opt.series = [{
      type: "bar", name: "办件量", barWidth: 14,
      data: top.map(function (u) {
        var late = (u.overdue_rate || 0) >= 0.1;
        return { value: u.count, itemStyle: { color: late ? RED : ACCENT, borderRadius: [0, 3, 3, 0] } };
      }),
      label: { show: true, position: "right", color: TEXT, formatter: function (p) {
        var u = top[p.dataIndex];
        return u.count + (u.overdue_rate !== null ? "  超期" + pct(u.overdue_rate) : "");
      } }
    }];
    chart("chart-units").setOption(opt, true);
  }

  function gauge(id, title, value, max, target, unit, goodHigh) {
    var good = value === null ? false : (goodHigh ? value >= target : value <= target);
    var colour = value === null ? MUTED : (good ? GREEN : YELLOW);
    var opt = base();
    opt.series = [{
      type: "gauge", min: 0, max: max, radius: "86%", center: ["50%", "45%"], startAngle: 210, endAngle: -30,
      progress: { show: true, width: 12, itemStyle: { color: colour } },
      axisLine: { lineStyle: { width: 12, color: [[target / max, "rgba(64,158,255,.22)"], [1, "rgba(64,158,255,.10)"]] } },
      axisTick: { show: false }, splitLine: { show: false }, axisLabel: { show: false }, pointer: { show: false },
      anchor: { show: false },
      // The name and target sit under the arc, the figure inside it: a gauge is a third
      // of a side panel (about 100 px wide at 1400 px), so they must not share its middle.
      title: { offsetCenter: [0, "98%"], color: TEXT, fontSize: 13, lineHeight: 17 },
      detail: { offsetCenter: [0, "0%"], fontSize: 20, fontWeight: 700, color: "#fff", fontFamily: FONT,
        formatter: function () { return value === null ? "—" : (unit === "%" ? (value * 100).toFixed(1) + "%" : value.toFixed(1) + unit); } },
      data: [{ value: value === null ? 0 : Math.min(value, max), name: title + "\n目标" + (unit === "%" ? "≥" + target * 100 + "%" : "≤" + target + unit) }]
    }];
    chart(id).setOption(opt, true);
  }

  function shade(count, max) {
    if (!max || !count) return "rgba(30,90,180,.18)";
    var t = Math.sqrt(count / max);
    var r = Math.round(20 + t * 60), g = Math.round(80 + t * 150), b = Math.round(170 + t * 85);
    return "rgba(" + r + "," + g + "," + b + "," + (0.35 + t * 0.55).toFixed(2) + ")";
  }

  function drawTiles(towns) {
    var byCode = {};
    var max = 0;
    towns.forEach(function (t) { byCode[t.town] = t; if (t.count > max) max = t.count; });
    document.querySelectorAll("#tilemap .tile").forEach(function (tile) {
      var t = byCode[tile.getAttribute("data-town")] || { count: 0, overdue_rate: null };
      tile.querySelector(".tile-count").textContent = num(t.count);
      tile.querySelector(".tile-rate").textContent = t.overdue_rate === null ? "超期 —" : "超期 " + pct(t.overdue_rate);
      tile.style.background = shade(t.count, max);
      tile.classList.toggle("hot-overdue", (t.overdue_rate || 0) >= 0.1);
      tile.title = tile.querySelector(".tile-name").textContent + "：" + t.count + " 件";
    });
  }

  function rows(tbodySelector, items, render) {
    var body = document.querySelector(tbodySelector);
    body.textContent = "";
    if (!items.length) {
      var tr = document.createElement("tr");
      var td = document.createElement("td");
      td.colSpan = 3; td.className = "muted"; td.textContent = "暂无数据";
      tr.appendChild(td); body.appendChild(tr);
      return;
    }
    items.forEach(function (item) { body.appendChild(render(item)); });
  }

  function cell(tr, value, cls) {
    var td = document.createElement("td");
    if (value instanceof Node) td.appendChild(value); else { td.textContent = value; td.title = value; }
    if (cls) td.className = cls;
    tr.appendChild(td);
  }

  function drawWarnings(w) {
    rows("#warn-units tbody", w.units.slice(0, 6), function (u) {
      var tr = document.createElement("tr");
      cell(tr, u.name || "（未派单）"); cell(tr, u.red, "red"); cell(tr, u.yellow, "yellow");
      return tr;
    });
    rows("#warn-tickets tbody", w.tickets.slice(0, 6), function (t) {
      var tr = document.createElement("tr");
      var a = document.createElement("a");
      a.href = "/tickets/" + t.id; a.textContent = t.number;
      cell(tr, a); cell(tr, t.unit_name || "—");
      cell(tr, t.overdue_hours >= 24 ? Math.floor(t.overdue_hours / 24) + " 天" : Math.round(t.overdue_hours) + " 小时", "red");
      return tr;
    });
  }

  function draw(data) {
    var v = data.volumes;
    text("kpi-today", num(v.today)); text("kpi-month", num(v.month)); text("kpi-open", num(v.open));
    text("kpi-waiting", num(v.awaiting_dispatch)); text("kpi-yellow", num(v.yellow)); text("kpi-red", num(v.red));
    drawTrend(data.trend);
    drawTypes(data.types);
    drawUnits(data.units);
    drawTiles(data.towns);
    drawWarnings(data.warnings);
    gauge("gauge-auto", "智能转派率", data.dispatch.auto_rate, 1, data.targets.auto_rate, "%", true);
    gauge("gauge-accuracy", "转派准确率", data.dispatch.accuracy, 1, data.targets.accuracy, "%", true);
    var days = data.handling.mean_days;
    gauge("gauge-days", "平均办理时长", days, Math.max(20, Math.ceil((days || 0) * 1.2)), data.targets.handling_days, "天", false);
    root.setAttribute("data-rendered", "true");
  }

  function showError(message) {
    var box = document.getElementById("screen-error");
    box.textContent = "数据加载失败：" + message;
    box.hidden = false;
  }

  function load() {
    fetch(SRC, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (res.status === 401) { location.href = "/login?reason=expired&next=/dashboard"; return null; }
        return res.json().then(function (body) {
          if (!res.ok) throw new Error(body && body.message ? body.message : "HTTP " + res.status);
          return body;
        });
      })
      .then(function (data) {
        if (!data) return;
        document.getElementById("screen-error").hidden = true;
        draw(data);
        text("updated", "数据更新于 " + new Date().toLocaleTimeString("zh-CN", { hour12: false }) + " · 每 " + REFRESH / 1000 + " 秒自动刷新");
      })
      .catch(function (err) { showError(err.message || String(err)); });
  }

  function clock() {
    var now = new Date();
    text("clock", now.toLocaleTimeString("zh-CN", { hour12: false }));
    text("today", now.toLocaleDateString("zh-CN", { year: "numeric", month: "long", day: "numeric", weekday: "long" }));
  }

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    if (lastTypes) drawTypes(lastTypes);
  });
  clock();
  setInterval(clock, 1000);
  load();
  setInterval(load, REFRESH);
})();
