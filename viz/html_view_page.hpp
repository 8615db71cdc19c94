// HTML view page: the page's markup, style and script; html_view.cpp fills in the @...@ slots.
#pragma once

namespace tapegrad::detail {

// Self-contained: no external script, style, font or image, so it works offline.
inline constexpr const char* html_view_page = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, Helvetica, Arial, sans-serif; color: #212529;
         display: grid; grid-template-columns: minmax(0, 1fr) 430px; grid-template-rows: auto 1fr;
         height: 100vh; }
  header { grid-column: 1 / 3; display: flex; align-items: center; gap: 12px; padding: 8px 14px;
           border-bottom: 1px solid #dee2e6; background: #f8f9fa; flex-wrap: wrap; }
  header h1 { font-size: 16px; margin: 0 12px 0 0; }
  button { font-size: 14px; padding: 4px 12px; border: 1px solid #adb5bd; border-radius: 4px;
           background: #fff; cursor: pointer; }
  button:hover { background: #e7f5ff; }
  #step-counter { font-weight: 600; min-width: 120px; }
  .hint { color: #868e96; font-size: 12px; }
  #graph { overflow: auto; padding: 8px; }
  #graph svg { max-width: 100%; height: auto; }
  #graph.zoomed svg { max-width: none; }
  aside { overflow: auto; padding: 10px 14px; border-left: 1px solid #dee2e6; background: #fcfcfd; }
  aside h2 { font-size: 14px; margin: 14px 0 6px; color: #495057; text-transform: uppercase;
             letter-spacing: .04em; }
  .math { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px;
          white-space: pre-wrap; word-break: break-word; }
  .box { border: 1px solid #dee2e6; border-radius: 6px; padding: 8px; margin: 6px 0;
         background: #fff; }
  .grad { color: #c92a2a; }
  .ok { color: #2b8a3e; }
  .bad { color: #c92a2a; font-weight: 600; }
  .label { color: #868e96; font-size: 12px; }
  .node.active > path, .node.active > polygon, .node.active > ellipse, .node.active > rect {
    stroke: #e03131; stroke-width: 4px; }
  .node.target > path, .node.target > polygon, .node.target > ellipse, .node.target > rect {
    stroke: #1971c2; stroke-width: 3px; }
  .node.done { opacity: 0.55; }
  .node.active, .node.target { opacity: 1; }
</style>
</head>
<body>
<header>
  <h1>@HEADING@</h1>
  <button id="reset" title="reset (Home)">&#8676; reset</button>
  <button id="back" title="step back (left arrow)">&#8592; back</button>
  <button id="forward" title="step forward (right arrow)">forward &#8594;</button>
  <button id="play" title="play / pause (space)">&#9654; play</button>
  <button id="zoom" title="fit the graph to the window, or show it at full size">zoom</button>
  <span id="step-counter" data-step="-1">before backward</span>
  <span class="hint">&#8592; / &#8594; step &middot; red: record processed &middot; blue: inputs receiving gradient</span>
</header>
<main id="graph">@SVG@</main>
<aside>
  <div id="intro" class="box">Backward walks the tape in reverse, from the loss to the inputs.
    Each step takes one record, whose gradient is complete, and sends it to the record's inputs by
    the chain rule: <span class="math">input gradient += local derivative &times; upstream gradient</span>.
    Press <b>forward</b> or &#8594; to start.</div>
  <h2>Record</h2>
  <div class="box"><div id="record" class="math">&mdash;</div>
    <div class="label">its gradient (the upstream gradient of its inputs)</div>
    <div id="grad-value" class="math grad" data-values="null">&mdash;</div></div>
  <h2>Chain rule</h2>
  <div id="contributions"></div>
  <h2>Hand derivation</h2>
  <div class="box"><div id="hand-value" class="math">&mdash;</div><div id="hand-diff" class="label"></div></div>
</aside>
<script type="application/json" id="steps-data">@STEPS@</script>
<script type="application/json" id="graph-data">@GRAPH@</script>
<script type="application/json" id="hand-data">@HAND@</script>
<script>
"use strict";
const steps = JSON.parse(document.getElementById("steps-data").textContent).steps;
const graph = JSON.parse(document.getElementById("graph-data").textContent);
const hand = JSON.parse(document.getElementById("hand-data").textContent);
const $ = (id) => document.getElementById(id);

function num(v) {
  if (v === null || v === undefined) return "nan";
  const s = Number(v).toPrecision(6);
  return String(Number(s));
}
function matrix(rows) {
  if (!rows) return "\u2014";
  const m = rows.length, n = m ? rows[0].length : 0;
  if (m * n > 36) {
    const flat = rows.flat();
    const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
    return "(" + m + " x " + n + ") min " + num(Math.min(...flat)) + "  max " +
           num(Math.max(...flat)) + "  mean " + num(mean);
  }
  if (m === 1 && n === 1) return num(rows[0][0]);
  return "[" + rows.map((r) => r.map(num).join(", ")).join(";\n ") + "]";
}
function maxDiff(a, b) {
  if (!a || !b || a.length !== b.length || a[0].length !== b[0].length) return null;
  let d = 0;
  a.forEach((r, i) => r.forEach((v, j) => { d = Math.max(d, Math.abs(v - b[i][j])); }));
  return d;
}
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// The graph: Graphviz's SVG when embedded, else a layered layout drawn here.
function layout() {
  const svgNS = "http://www.w3.org/2000/svg";
  const depth = new Map();
  const inputs = new Map();
  graph.nodes.forEach((n) => inputs.set(n.id, []));
  graph.edges.forEach((e) => inputs.get(e.to).push(e.from));
  graph.nodes.forEach((n) => {
    const d = inputs.get(n.id).reduce((acc, i) => Math.max(acc, depth.get(i) + 1), 0);
    depth.set(n.id, d);
  });
  const columns = new Map();
  const pos = new Map();
  graph.nodes.forEach((n) => {
    const d = depth.get(n.id);
    const row = columns.get(d) || 0;
    columns.set(d, row + 1);
    pos.set(n.id, { x: 20 + d * 190, y: 20 + row * 64 });
  });
  const width = 20 + (Math.max(...depth.values()) + 1) * 190;
  const height = 20 + Math.max(...columns.values()) * 64;
  const svg = document.createElementNS(svgNS, "svg");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  graph.edges.forEach((e) => {
    const a = pos.get(e.from), b = pos.get(e.to);
    const line = document.createElementNS(svgNS, "line");
    line.setAttribute("x1", a.x + 160); line.setAttribute("y1", a.y + 22);
    line.setAttribute("x2", b.x); line.setAttribute("y2", b.y + 22);
    line.setAttribute("stroke", "#868e96");
    svg.appendChild(line);
  });
  const fill = { parameter: "#a5d8ff", variable: "#b2f2bb", input: "#ffec99", constant: "#dee2e6" };
  graph.nodes.forEach((n) => {
    const p = pos.get(n.id);
    const g = document.createElementNS(svgNS, "g");
    g.setAttribute("class", "node");
    const title = document.createElementNS(svgNS, "title");
    title.textContent = "v" + n.id;
    g.appendChild(title);
    const rect = document.createElementNS(svgNS, "rect");
    rect.setAttribute("x", p.x); rect.setAttribute("y", p.y);
    rect.setAttribute("width", 160); rect.setAttribute("height", 44); rect.setAttribute("rx", 6);
    rect.setAttribute("fill", n.output ? "#ffa8a8" : fill[n.role] || "#fff");
    rect.setAttribute("stroke", "#495057");
    g.appendChild(rect);
    [n.name + (n.op === "leaf" ? "" : "  (" + n.op + ")"), matrix(n.value).split("\n")[0]]
      .forEach((t, i) => {
        const text = document.createElementNS(svgNS, "text");
        text.setAttribute("x", p.x + 6); text.setAttribute("y", p.y + 17 + i * 17);
        text.setAttribute("font-size", "12");
        text.textContent = t.length > 26 ? t.slice(0, 25) + "\u2026" : t;
        g.appendChild(text);
      });
    svg.appendChild(g);
  });
  $("graph").appendChild(svg);
}
if (!$("graph").querySelector("svg")) layout();

const nodeOf = new Map();
document.querySelectorAll("#graph g.node").forEach((g) => {
  const t = g.querySelector("title");
  if (t) nodeOf.set(t.textContent.trim(), g);
});
function mark(id, cls) {
  for (const key of ["v" + id, "o" + id]) {
    const g = nodeOf.get(key);
    if (g) g.classList.add(cls);
  }
}

let current = -1;
let timer = null;
function render() {
  document.querySelectorAll("#graph g.node").forEach((g) => g.classList.remove("active", "target", "done"));
  const counter = $("step-counter");
  counter.dataset.step = String(current);
  $("intro").hidden = current >= 0;
  const box = $("contributions");
  box.replaceChildren();
  if (current < 0) {
    counter.textContent = "before backward";
    $("record").textContent = "\u2014";
    $("grad-value").textContent = "\u2014";
    $("grad-value").dataset.values = "null";
    $("hand-value").textContent = "\u2014";
    $("hand-diff").textContent = "";
    return;
  }
  const s = steps[current];
  counter.textContent = "step " + (current + 1) + " of " + steps.length;
  for (let i = 0; i < current; ++i) mark(steps[i].id, "done");
  mark(s.id, "active");
  $("record").textContent = s.name + (s.leaf ? "  (leaf)" : "  = " + s.op + "(\u2026)") +
      "   shape (" + s.shape.join(", ") + ")";
  $("grad-value").textContent = s.grad_name + " = " + matrix(s.grad);
  $("grad-value").dataset.values = JSON.stringify(s.grad);
  if (s.leaf) {
    box.appendChild(el("div", "box", s.name + " is a leaf: its gradient " + s.grad_name +
        " is complete, and there is nothing further to propagate."));
  } else if (s.contributions.length === 0) {
    box.appendChild(el("div", "box", "No input of " + s.name + " needs a gradient."));
  }
  s.contributions.forEach((c) => {
    mark(c.to, "target");
    const d = el("div", "box contribution");
    d.appendChild(el("div", "math", c.formula));
    d.appendChild(el("div", "label", "upstream gradient " + s.grad_name));
    d.appendChild(el("div", "math grad", matrix(s.grad)));
    if (c.local) {
      d.appendChild(el("div", "label", "local derivative"));
      d.appendChild(el("div", "math", matrix(c.local)));
    }
    d.appendChild(el("div", "label", "result: the flow into " + c.grad_name));
    const v = el("div", "math grad contribution-value", matrix(c.value));
    v.dataset.values = JSON.stringify(c.value);
    d.appendChild(v);
    if (c.of > 1) {
      d.appendChild(el("div", "label", "accumulation: " + c.name + " fans out to " + c.of +
          " records; this is flow " + c.index + " of " + c.of));
      d.appendChild(el("div", "math", c.grad_name + " = " + matrix(c.before) + " + " +
          matrix(c.value) + " = " + matrix(c.after) + (c.index === c.of ? "   (complete)" : "")));
    }
    box.appendChild(d);
  });
  const h = hand[s.name];
  if (h) {
    $("hand-value").textContent = s.grad_name + " (by hand) = " + matrix(h);
    const diff = maxDiff(h, s.grad);
    const ok = diff !== null && diff <= 1e-9 * Math.max(1, ...s.grad.flat().map(Math.abs));
    $("hand-diff").className = ok ? "ok" : "bad";
    $("hand-diff").textContent = diff === null ? "shapes differ"
        : "max |tape - hand| = " + diff.toExponential(2) + (ok ? "  \u2713 agree" : "  \u2717 differ");
  } else {
    $("hand-value").textContent = "no hand-derived gradient given for " + s.name;
    $("hand-diff").textContent = "";
  }
}
function go(i) { current = Math.max(-1, Math.min(steps.length - 1, i)); render(); }
function stop() { if (timer) { clearInterval(timer); timer = null; $("play").innerHTML = "&#9654; play"; } }
$("reset").onclick = () => { stop(); go(-1); };
$("back").onclick = () => { stop(); go(current - 1); };
$("forward").onclick = () => { stop(); go(current + 1); };
$("zoom").onclick = () => $("graph").classList.toggle("zoomed");
$("play").onclick = () => {
  if (timer) { stop(); return; }
  if (current >= steps.length - 1) go(-1);
  $("play").innerHTML = "&#10074;&#10074; pause";
  timer = setInterval(() => { if (current >= steps.length - 1) stop(); else go(current + 1); }, 900);
};
document.addEventListener("keydown", (e) => {
  if (e.key === "ArrowRight") { stop(); go(current + 1); e.preventDefault(); }
  else if (e.key === "ArrowLeft") { stop(); go(current - 1); e.preventDefault(); }
  else if (e.key === "Home") { stop(); go(-1); }
  else if (e.key === " ") { $("play").click(); e.preventDefault(); }
});
render();
</script>
</body>
</html>
)HTML";

}  // namespace tapegrad::detail
