// The step-through page: plays a tape's forward pass, then its backward pass.
//
// Data (filled in by html_view.cpp): steps-data, the backward steps in
// reverse-walk order with each step's chain-rule flows; forward-data, the
// records an op computes, in tape order, with their equations; graph-data, the
// graph dump (values and gradients of every record); hand-data, gradients from
// a hand derivation by name. The page draws the graph itself, so a value
// appears only once its forward step is reached and a gradient only once its
// backward step is.
"use strict";

const read = (id) => JSON.parse(document.getElementById(id).textContent);
const backward = read("steps-data").steps;
const forward = read("forward-data").steps;
const graph = read("graph-data");
const hand = read("hand-data");
const $ = (id) => document.getElementById(id);
const total = forward.length + backward.length;
const svgNS = "http://www.w3.org/2000/svg";

// ------------------------------------------------------------------ numbers

function num(v, digits = 6) {
  if (v === null || v === undefined) return "nan";
  return String(Number(Number(v).toPrecision(digits)));
}
// A matrix as text: one number, a row "[1, 2]", rows "[1, 2;\n 3, 4]", or a summary.
function matrix(rows, digits = 6) {
  if (!rows) return "\u2014";
  const m = rows.length, n = m ? rows[0].length : 0;
  if (m * n > 36) {
    const flat = rows.flat();
    const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
    return "(" + m + " x " + n + ") min " + num(Math.min(...flat), 4) + "  max " +
           num(Math.max(...flat), 4) + "  mean " + num(mean, 4);
  }
  if (m === 1 && n === 1) return num(rows[0][0], digits);
  return "[" + rows.map((r) => r.map((v) => num(v, digits)).join(", ")).join(";\n ") + "]";
}
// A value's lines in a graph box: a row per line, or a summary for big tensors.
function boxLines(rows) {
  if (!rows) return [];
  if (rows.length > 4 || rows[0].length > 4) return [matrix(rows, 4)];
  if (rows.length === 1 && rows[0].length === 1) return [num(rows[0][0], 4)];
  return rows.map((r) => "[" + r.map((v) => num(v, 4)).join("  ") + "]");
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

// ------------------------------------------------------------------ the graph

const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
const forwardStep = new Map(forward.map((s, i) => [s.id, i]));
const backwardStep = new Map(backward.map((s, i) => [s.id, i]));
const equationOf = new Map(forward.map((s) => [s.id, s.parts]));
const inputs = new Map(graph.nodes.map((n) => [n.id, []]));
const consumers = new Map(graph.nodes.map((n) => [n.id, []]));
graph.edges.forEach((e) => { inputs.get(e.to).push(e.from); consumers.get(e.from).push(e.to); });

const displayRole = (n) => (n.role === "variable" && n.layer !== null ? "parameter" : n.role);
const names = (parts) => parts.map((p) => p.text).join("");
// The equation with each name replaced by its numbers, matrices on one line.
const numbers = (parts) => parts.map((p) =>
  (p.id === undefined ? p.text : matrix(nodes.get(p.id).value).replaceAll(";\n ", "; "))).join("");

// The text of a record's box: its header, value lines, gradient lines, each
// with what it shows before its step ("pending").
function boxText(n) {
  const shape = "(" + n.shape.join(", ") + ")";
  const eq = equationOf.get(n.id);
  let head = eq ? names(eq) : n.name + "  " + shape + " " + displayRole(n);
  if (head.length > 48) head = head.slice(0, 47) + "\u2026";
  const lines = [{ text: head, cls: "head" }];
  boxLines(n.value).forEach((t, i) =>
    lines.push({ text: t, pending: i === 0 ? "not computed yet" : "", kind: "value" }));
  if (!n.on_path) {
    lines.push({ text: "not read by the loss: no gradient", kind: "note" });
  } else if (n.needs_grad && n.grad) {
    const g = boxLines(n.grad);
    g.forEach((t, i) => lines.push({
      text: (i === 0 ? n.grad_name + " = " : " ".repeat(n.grad_name.length + 3)) + t,
      pending: i === 0 ? n.grad_name + ": not yet" : "", kind: "grad" }));
  }
  return lines;
}

// Box geometry in px: line height, padding, a 12 px monospace character, gaps.
const LINE = 16, PAD = 6, CHAR = 7.3, GAP_X = 56, GAP_Y = 14, TOP = 28;
// A layer of at most this many records is drawn as one column (as the pictures do).
const COLUMN_LIMIT = 6;
const boxes = new Map();  // id -> {x, y, w, h, col, lines, g, shown}
const edgeList = [];      // {from, to, path}

// Columns: a small layer (the tensor view's W, b, z, a) is one column, in tape
// order; a big layer (the scalar view's neurons) spreads over the columns of
// its depth; records without a layer come last. Columns keep their tops level.
function columnsOf() {
  const depth = new Map();
  graph.nodes.forEach((n) => {
    depth.set(n.id, inputs.get(n.id).reduce((d, i) => Math.max(d, depth.get(i) + 1), 0));
  });
  // A leaf sits just before its first consumer, not at the far left.
  [...graph.nodes].reverse().forEach((n) => {
    const c = consumers.get(n.id);
    if (n.op === "leaf" && c.length) depth.set(n.id, Math.max(0, Math.min(...c.map((i) => depth.get(i))) - 1));
  });
  const layered = graph.nodes.some((n) => n.layer !== null);
  const groups = new Map();
  graph.nodes.forEach((n) => {
    const key = layered ? (n.layer === null ? Infinity : n.layer) : 0;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(n.id);
  });
  const columns = [];
  [...groups.keys()].sort((a, b) => a - b).forEach((key) => {
    const ids = groups.get(key);
    const label = layered && key !== Infinity ? key : undefined;
    if (layered && ids.length <= COLUMN_LIMIT) { columns.push({ ids, layer: label }); return; }
    const byDepth = new Map();
    ids.forEach((id) => {
      if (!byDepth.has(depth.get(id))) byDepth.set(depth.get(id), []);
      byDepth.get(depth.get(id)).push(id);
    });
    [...byDepth.keys()].sort((a, b) => a - b).forEach((d, i) =>
      columns.push({ ids: byDepth.get(d), layer: i === 0 ? label : undefined }));
  });
  return columns;
}

function layout() {
  const columns = columnsOf();
  const row = new Map();  // id -> centre y, for ordering
  let x = 16, height = 0;
  const svg = document.createElementNS(svgNS, "svg");
  const edgeLayer = document.createElementNS(svgNS, "g");
  svg.appendChild(edgeLayer);
  columns.forEach((col) => {
    // Order a column by where its inputs are (barycentre), keeping tape order for ties.
    if (col.ids.length > COLUMN_LIMIT) {
      const at = (id) => {
        const ys = inputs.get(id).filter((i) => row.has(i)).map((i) => row.get(i));
        return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : Infinity;
      };
      const keyed = col.ids.map((id, k) => ({ id, k, y: at(id) }));
      keyed.sort((a, b) => (a.y === b.y ? a.k - b.k : a.y === Infinity ? 1 : b.y === Infinity ? -1 : a.y - b.y));
      col.ids = keyed.map((e) => e.id);
    }
    const texts = col.ids.map((id) => boxText(nodes.get(id)));
    const width = Math.max(...texts.map((lines) =>
      Math.max(...lines.map((l) => Math.max(l.text.length, (l.pending || "").length))) * CHAR + 2 * PAD));
    let y = TOP;
    if (col.layer !== undefined) {
      const label = document.createElementNS(svgNS, "text");
      label.setAttribute("class", "layer-label");
      label.setAttribute("x", x);
      label.setAttribute("y", 16);
      label.textContent = "layer " + col.layer;
      svg.appendChild(label);
    }
    col.ids.forEach((id, k) => {
      const lines = texts[k];
      const h = lines.length * LINE + 2 * PAD - 2;
      boxes.set(id, { x, y, w: width, h, lines, col: columns.indexOf(col) });
      row.set(id, y + h / 2);
      y += h + GAP_Y;
    });
    height = Math.max(height, y);
    x += width + GAP_X;
  });
  svg.setAttribute("width", x);
  svg.setAttribute("height", height + 8);
  svg.setAttribute("viewBox", "0 0 " + x + " " + (height + 8));
  const defs = document.createElementNS(svgNS, "defs");
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" ' +
      'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#868e96"/></marker>';
  svg.appendChild(defs);
  const fill = { parameter: "#a5d8ff", variable: "#b2f2bb", input: "#ffec99", constant: "#dee2e6" };
  // As the pictures: a variable in a layer is a network weight or bias, a parameter.
  graph.nodes.forEach((n) => {
    const b = boxes.get(n.id);
    const g = document.createElementNS(svgNS, "g");
    g.setAttribute("class", "node" + (n.on_path ? "" : " off"));
    g.dataset.id = n.id;
    const rect = document.createElementNS(svgNS, "rect");
    rect.setAttribute("x", b.x); rect.setAttribute("y", b.y);
    rect.setAttribute("width", b.w); rect.setAttribute("height", b.h); rect.setAttribute("rx", 6);
    rect.setAttribute("fill", n.output ? "#ffa8a8" : fill[displayRole(n)] || "#fff");
    g.appendChild(rect);
    // Each value or gradient line is drawn twice, computed and pending; the
    // box's data-value and data-grad say which is visible (CSS visibility, so
    // a step changes no text and the browser lays nothing out again).
    b.lines.forEach((l, i) => {
      const add = (text, cls) => {
        const t = document.createElementNS(svgNS, "text");
        t.setAttribute("x", b.x + PAD);
        t.setAttribute("y", b.y + PAD + 11 + i * LINE);
        t.setAttribute("class", cls);
        t.textContent = text;
        g.appendChild(t);
      };
      add(l.text, l.cls || l.kind || "");
      if (l.pending) add(l.pending, l.kind + "-pending");
    });
    b.g = g;
    b.shown = {};
    svg.appendChild(g);
  });
  // Edges: from an input's right side to its consumer's left side; inside a
  // column, down the column's right side.
  graph.edges.forEach((e) => {
    const a = boxes.get(e.from), b = boxes.get(e.to);
    const path = document.createElementNS(svgNS, "path");
    let d;
    if (a.col === b.col) {
      const x0 = a.x + a.w, y0 = a.y + a.h / 2, y1 = b.y + b.h / 2;
      d = "M" + x0 + "," + y0 + " C" + (x0 + 34) + "," + y0 + " " + (x0 + 34) + "," + y1 + " " + x0 + "," + y1;
    } else {
      const x0 = a.x + a.w, y0 = a.y + a.h / 2, x1 = b.x, y1 = b.y + b.h / 2, m = (x0 + x1) / 2;
      d = "M" + x0 + "," + y0 + " C" + m + "," + y0 + " " + m + "," + y1 + " " + x1 + "," + y1;
    }
    path.setAttribute("d", d);
    path.setAttribute("class", "edge");
    path.setAttribute("marker-end", "url(#arrow)");
    edgeLayer.appendChild(path);
    edgeList.push({ from: e.from, to: e.to, path });
  });
  $("graph").appendChild(svg);
  return svg;
}
const svg = layout();
const naturalSize = { w: Number(svg.getAttribute("width")), h: Number(svg.getAttribute("height")) };
const edgesInto = new Map();
edgeList.forEach((e) => { if (!edgesInto.has(e.to)) edgesInto.set(e.to, []); edgesInto.get(e.to).push(e); });

// Shows or hides a box's value and gradient lines, touching the DOM only on change.
function showBox(id, value, grad) {
  const b = boxes.get(id);
  if (b.shown.value === value && b.shown.grad === grad) return;
  b.shown = { value, grad };
  b.g.dataset.value = value ? "shown" : "pending";
  b.g.dataset.grad = grad ? "shown" : "pending";
}

// ------------------------------------------------------------------ steps

let current = -1;
let marked = [];
let hotEdges = [];

function stepInfo(i) {
  if (i < 0) return { phase: "start" };
  if (i < forward.length) return { phase: "forward", k: i, s: forward[i] };
  return { phase: "backward", k: i - forward.length, s: backward[i - forward.length] };
}

function updateGraph(info) {
  const fk = info.phase === "start" ? -1 : info.phase === "forward" ? info.k : forward.length;
  const bk = info.phase === "backward" ? info.k : -1;
  graph.nodes.forEach((n) => {
    const f = forwardStep.get(n.id);
    const bs = backwardStep.get(n.id);
    showBox(n.id, f === undefined || f <= fk, bs !== undefined && bs <= bk);
  });
  marked.forEach(([g, c]) => g.classList.remove(c));
  hotEdges.forEach((p) => p.classList.remove("hot"));
  marked = [];
  hotEdges = [];
  if (info.phase === "start") return;
  const mark = (id, cls) => { const b = boxes.get(id); if (b) { b.g.classList.add(cls); marked.push([b.g, cls]); } };
  mark(info.s.id, "active");
  const targets = info.phase === "forward" ? inputs.get(info.s.id) : info.s.contributions.map((c) => c.to);
  targets.forEach((id) => mark(id, "target"));
  (edgesInto.get(info.s.id) || []).forEach((e) => {
    if (targets.includes(e.from)) { e.path.classList.add("hot"); hotEdges.push(e.path); }
  });
}

// Scrolls the graph so the current record is on screen (centred when it was not).
function scrollToCurrent() {
  const info = stepInfo(current);
  if (info.phase === "start") return;
  const b = boxes.get(info.s.id);
  const box = b.g.getBoundingClientRect(), view = $("graph").getBoundingClientRect();
  const inside = box.left >= view.left && box.right <= view.right && box.top >= view.top && box.bottom <= view.bottom;
  if (inside) return;
  const g = $("graph");
  g.scrollLeft += box.left - view.left - Math.max(8, (view.width - box.width) / 2);
  g.scrollTop += box.top - view.top - Math.max(8, (view.height - box.height) / 2);
}

function handRow(parent, ok, text) {
  parent.appendChild(el("div", "hand-row " + ok, text));
}
function compare(name, gradName, shown, what) {
  const h = hand[name];
  if (!h) return null;
  const d = maxDiff(h, shown);
  const ok = d !== null && d <= 1e-9 * Math.max(1, ...shown.flat().map(Math.abs));
  return { ok: ok ? "ok" : "bad",
           text: gradName + " " + what + " = " + matrix(shown) + "\n" + gradName + " by hand = " + matrix(h) +
                 "\n" + (d === null ? "shapes differ" : "max |tape - hand| = " + d.toExponential(2) +
                 (ok ? "  \u2713 agree" : "  \u2717 differ")) };
}

function updatePanel(info) {
  const counter = $("step-counter");
  counter.dataset.step = String(current);
  counter.dataset.phase = info.phase;
  $("intro").hidden = info.phase !== "start";
  const box = $("contributions");
  box.replaceChildren();
  $("details-title").hidden = info.phase !== "backward" || !info.s.contributions.length;
  const handBox = $("hand");
  handBox.replaceChildren();
  if (info.phase === "start") {
    counter.textContent = "start: " + forward.length + " forward, " + backward.length + " backward steps";
    $("phase").textContent = "Step";
    $("record").textContent = "\u2014";
    $("grad-label").textContent = "";
    $("grad-value").textContent = "";
    $("grad-value").dataset.values = "null";
    $("equation-names").textContent = "\u2014";
    $("equation-numbers").textContent = "";
    handBox.appendChild(el("div", "label", "\u2014"));
    return;
  }
  const s = info.s, n = nodes.get(s.id);
  counter.textContent = "step " + (current + 1) + " of " + total + " \u00b7 " + info.phase + " " +
      (info.k + 1) + " of " + (info.phase === "forward" ? forward.length : backward.length);
  if (info.phase === "forward") {
    $("phase").textContent = "Forward step " + (info.k + 1) + " of " + forward.length;
    $("record").textContent = n.name + "   shape (" + n.shape.join(", ") + ")";
    $("grad-label").textContent = "its value, computed now";
    $("grad-value").className = "math";
    $("grad-value").textContent = n.name + " = " + matrix(n.value);
    $("grad-value").dataset.values = JSON.stringify(n.value);
    $("equation-title").textContent = "Equation";
    $("equation-names").textContent = names(s.parts);
    $("equation-numbers").textContent = numbers(s.parts);
    handBox.appendChild(el("div", "label", "The hand derivation checks gradients: it is compared at " +
        "each step of the backward pass, which follows the " + forward.length + " forward steps."));
    return;
  }
  $("phase").textContent = "Backward step " + (info.k + 1) + " of " + backward.length;
  const eq = equationOf.get(s.id);
  $("record").textContent = (s.leaf ? s.name + "  (leaf)" : eq ? names(eq) : s.name + " = " + s.op + "(\u2026)") +
      "   shape (" + s.shape.join(", ") + ")";
  $("grad-label").textContent = "its gradient, complete now (the upstream gradient of its inputs)";
  $("grad-value").className = "math grad";
  $("grad-value").textContent = s.grad_name + " = " + matrix(s.grad);
  $("grad-value").dataset.values = JSON.stringify(s.grad);
  $("equation-title").textContent = "Chain rule";
  if (s.leaf) {
    $("equation-names").textContent = s.name + " is a leaf: " + s.grad_name +
        " is complete, and there is nothing further to send back.";
    $("equation-numbers").textContent = "";
  } else if (s.contributions.length === 0) {
    $("equation-names").textContent = "No input of " + s.name + " needs a gradient.";
    $("equation-numbers").textContent = "";
  } else {
    $("equation-names").textContent = s.contributions.map((c) => c.formula).join("\n");
    $("equation-numbers").textContent = s.contributions.map((c) =>
      c.grad_name + (c.of > 1 ? " += " : " = ") + matrix(c.value)).join("\n");
  }
  s.contributions.forEach((c) => {
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
      d.appendChild(el("div", "label", "accumulation: " + c.name + " feeds " + c.of +
          " records; this is flow " + c.index + " of " + c.of));
      d.appendChild(el("div", "math", c.grad_name + " = " + matrix(c.before) + " + " +
          matrix(c.value) + " = " + matrix(c.after) + (c.index === c.of ? "   (complete)" : "")));
    }
    box.appendChild(d);
  });
  // What this step computed, beside the hand formula: each flow it sends (its
  // running sum once the last flow arrives), or a leaf's own gradient.
  let rows = 0;
  s.contributions.forEach((c) => {
    if (!hand[c.name]) return;
    ++rows;
    if (c.index < c.of) {
      handRow(handBox, "partial", c.grad_name + " after flow " + c.index + " of " + c.of + " = " +
          matrix(c.after) + "\nby hand (all " + c.of + " flows) = " + matrix(hand[c.name]) +
          "\ncompared when the last flow arrives");
      return;
    }
    const r = compare(c.name, c.grad_name, c.after, c.of > 1
        ? "after this step's flow (" + c.index + " of " + c.of + ", complete)" : "computed by this step");
    handRow(handBox, r.ok, r.text);
  });
  if (s.leaf && hand[s.name]) {
    ++rows;
    const r = compare(s.name, s.grad_name, s.grad, "(complete)");
    handRow(handBox, r.ok, r.text);
  }
  if (!rows) handBox.appendChild(el("div", "label", "no hand-derived gradient for what this step computes"));
}

let pending = false;
function render() {
  const info = stepInfo(current);
  updateGraph(info);
  updatePanel(info);
  $("slider").value = String(current);
  $("jump").value = String(current + 1);
  scrollToCurrent();
}
// Renders at most once a frame, so dragging the slider over a long tape stays smooth.
function go(i) {
  current = Math.max(-1, Math.min(total - 1, Math.round(i)));
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => { pending = false; render(); });
}

let timer = null;
function stop() {
  if (timer) { clearTimeout(timer); timer = null; $("play").innerHTML = "&#9654; play"; }
}
function tick() {
  if (current >= total - 1) { stop(); return; }
  go(current + 1);
  timer = setTimeout(tick, Number($("speed").value));
}
$("slider").min = "-1";
$("slider").max = String(total - 1);
$("jump").max = String(total);
$("reset").onclick = () => { stop(); go(-1); };
$("back").onclick = () => { stop(); go(current - 1); };
$("forward").onclick = () => { stop(); go(current + 1); };
$("end").onclick = () => { stop(); go(total - 1); };
$("slider").oninput = () => { stop(); go(Number($("slider").value)); };
$("jump").onchange = () => { stop(); go(Number($("jump").value) - 1); };
$("jump").onkeydown = (e) => { if (e.key === "Enter") { stop(); go(Number($("jump").value) - 1); } e.stopPropagation(); };
$("play").onclick = () => {
  if (timer) { stop(); return; }
  if (current >= total - 1) go(-1);
  $("play").innerHTML = "&#10074;&#10074; pause";
  timer = setTimeout(tick, Number($("speed").value));
};
// Fit: the whole graph in the window (text may get small); again: full size.
$("zoom").onclick = () => {
  const g = $("graph");
  const fit = !g.classList.toggle("fitted") ? 1
      : Math.min(1, (g.clientWidth - 4) / naturalSize.w, (g.clientHeight - 4) / naturalSize.h);
  svg.setAttribute("width", naturalSize.w * fit);
  svg.setAttribute("height", naturalSize.h * fit);
  $("zoom").textContent = fit < 1 ? "full size" : "fit graph";
  scrollToCurrent();
};
document.addEventListener("keydown", (e) => {
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
  if (e.key === "ArrowRight") { stop(); go(current + 1); e.preventDefault(); }
  else if (e.key === "ArrowLeft") { stop(); go(current - 1); e.preventDefault(); }
  else if (e.key === "Home") { stop(); go(-1); e.preventDefault(); }
  else if (e.key === "End") { stop(); go(total - 1); e.preventDefault(); }
  else if (e.key === "z") { $("zoom").click(); }
  else if (e.key === " ") { $("play").click(); e.preventDefault(); }
});
render();
