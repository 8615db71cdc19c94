// The lab: the page around the engine. Every number it shows comes from the engine compiled to
// WebAssembly (lab/bindings.cpp): values, gradients, the hand derivation, the check, the
// explanations and the training run. This file draws them and passes the user's edits back.
"use strict";

const $ = (id) => document.getElementById(id);
const svgNS = "http://www.w3.org/2000/svg";
let engine = null;  // the module: createLab() from lab.js

// The engine's answer to one request, as text. The request goes through the heap:
// ccall's "string" copies it onto the module's 5 MB stack, which a dropped CSV of a
// megabyte or two would overflow.
function engineText(request) {
  const text = JSON.stringify(request);
  const size = engine.lengthBytesUTF8(text) + 1;
  const at = engine._malloc(size);
  if (!at) throw new Error("out of memory for a request of " + size + " bytes");
  try {
    engine.stringToUTF8(text, at, size);
    return engine.UTF8ToString(engine._lab_call(at));
  } finally {
    engine._free(at);
  }
}

// One request to the engine; its one-line error is shown and null returned.
function call(request, quiet) {
  let text;
  try {
    text = engineText(request);
  } catch (e) {
    // A trap inside the module (a bug, or memory exhausted): say so, keep the page.
    showError("the engine stopped (" + e.message + "); reload the page to start again");
    return null;
  }
  const answer = JSON.parse(text);
  if (answer.error !== undefined) {
    if (!quiet) showError(answer.error);
    return null;
  }
  return answer;
}

function showError(text) {
  const m = $("message");
  m.className = "";
  m.textContent = "error: " + text;
  m.hidden = false;
}
function showInfo(text) {
  const m = $("message");
  m.className = "info";
  m.textContent = text;
  m.hidden = false;
}
function clearMessage() { $("message").hidden = true; }

// ------------------------------------------------------------------ names and numbers

// A number as the boxes show it (4 significant digits) or the panel (6).
function num(v, digits = 4) {
  if (v === null || v === undefined) return "nan";
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-4) return v.toExponential(digits - 1).replace("e+", "e");
  return String(Number(v.toPrecision(digits)));
}
function full(v) { return v === null || v === undefined ? "nan" : String(Number(v.toPrecision(12))); }

function escapeHTML(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
// The derivation's notation as HTML: W_1,2^[1] with its subscript and superscript,
// y_hat as y&#770;, sums as sigma, " . " as a centred dot.
function nameHTML(s) {
  let h = escapeHTML(s);
  h = h.replace(/\bsum_([a-z])\b/g, "&Sigma;<sub>$1</sub>");
  h = h.replace(/y_hat/g, "y&#770;");
  h = h.replace(/\bPhi\b/g, "&Phi;").replace(/\bphi\b/g, "&phi;");
  h = h.replace(/ \. /g, " &middot; ");
  h = h.replace(/\^\[([^\]]*)\]/g, "<sup>[$1]</sup>");
  h = h.replace(/\^2\b/g, "<sup>2</sup>");
  h = h.replace(/_([0-9a-zA-Z,]+)/g, "<sub>$1</sub>");
  return h;
}
function math(s) {
  const e = document.createElement("span");
  e.className = "math";
  e.innerHTML = nameHTML(s);
  return e;
}
// The same notation in SVG text: tspans shifted down or up.
function svgName(text, s) {
  const parts = [];
  const re = /(y_hat)|\^\[([^\]]*)\]|_([0-9a-zA-Z,]+)|([^_^]+|[_^])/g;
  let m;
  while ((m = re.exec(s))) {
    if (m[1]) parts.push({ t: "y\u0302" });
    else if (m[2] !== undefined) parts.push({ t: "[" + m[2] + "]", shift: "super" });
    else if (m[3] !== undefined) parts.push({ t: m[3], shift: "sub" });
    else parts.push({ t: m[4] });
  }
  parts.forEach((p) => {
    const span = document.createElementNS(svgNS, "tspan");
    span.textContent = p.t;
    if (p.shift) {
      span.setAttribute("baseline-shift", p.shift);
      span.setAttribute("font-size", "10");
    }
    text.appendChild(span);
  });
}
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function svgEl(tag, attrs, parent) {
  const e = document.createElementNS(svgNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// Names of elements, counting from 1 as the derivation does.
function unitName(k, j, st) {
  const L = st.sizes.length - 1;
  if (k === 0) return "x_" + (j + 1);
  if (k === L) return st.sizes[L] === 1 ? "y_hat" : "y_hat_" + (j + 1);
  return "a_" + (j + 1) + "^[" + k + "]";
}
function elementName(e, st) {
  const s = st.m > 1 ? " (sample " + (e.row + 1) + ")" : "";
  switch (e.what) {
    case "W": return "W_" + (e.row + 1) + "," + (e.col + 1) + "^[" + e.layer + "]";
    case "b": return "b_" + (e.col + 1) + "^[" + e.layer + "]";
    case "x": return "x_" + (e.col + 1) + s;
    case "y": return (st.y_class_index ? "y (class)" : st.sizes[st.sizes.length - 1] === 1 ? "y" : "y_" + (e.col + 1)) + s;
    case "z": return "z_" + (e.col + 1) + "^[" + e.layer + "]" + s;
    case "a": return unitName(e.layer, e.col, st) + s;
    case "L": return "L";
  }
  return e.what;
}

// ------------------------------------------------------------------ tabs

let tab = "network";
function showTab(name) {
  tab = name;
  document.querySelectorAll("#tabs button").forEach((b) =>
    b.setAttribute("aria-selected", String(b.dataset.tab === name)));
  for (const t of ["network", "steps", "train"]) $("tab-" + t).hidden = t !== name;
  if (name === "steps") refreshSteps();
  if (name === "train") {
    sizePlots();
    if (!training.info) setupTraining(); else drawTraining();
  }
  if (name !== "train") pauseTraining();
}

// ------------------------------------------------------------------ the network tab

let state = null;      // the engine's state (Explorer::state)
let selected = null;   // the element being edited: {what, layer, row, col}
let explained = null;  // the element whose gradient is explained
let sample = 0;        // which sample the neuron view shows
let view = "neurons";
let stepsDirty = true;

// Over this many weights, or units in a layer, the network is drawn one box per
// layer (as tapegrad dot --collapse draws large graphs).
const NEURON_LIMIT = { units: 8, weights: 200 };
const collapsed = () => state.sizes.some((n) => n > NEURON_LIMIT.units) ||
  state.layers.slice(1).reduce((t, l) => t + l.W.length * l.W[0].length, 0) > NEURON_LIMIT.weights;

function load(answer, keepSelection) {
  if (!answer) return false;
  state = answer;
  stepsDirty = true;
  if (sample >= state.m) sample = 0;
  if (!keepSelection) {
    selected = null;
    explained = null;
    view = "neurons";
  }
  renderNetwork();
  return true;
}

function renderNetwork() {
  const st = state;
  $("model-source").textContent = st.source;
  $("loss-line").replaceChildren(math("L = " + num(st.L, 8)),
    el("span", "label", "  " + st.loss_kind + " (" + st.reduction + "), " + st.m + " sample" + (st.m > 1 ? "s" : "") +
       ", " + st.parameters + " parameters"));
  $("sample-box").hidden = st.m <= 1;
  const sel = $("sample");
  if (sel.options.length !== st.m) {
    sel.replaceChildren(...Array.from({ length: st.m }, (_, i) => new Option(String(i + 1), String(i))));
  }
  sel.value = String(sample);
  $("notes").replaceChildren(...st.notes.map((n) => el("div", "", n)));
  $("view-neurons").setAttribute("aria-pressed", String(view === "neurons"));
  $("view-matrices").setAttribute("aria-pressed", String(view === "matrices"));
  // The graph (a box per unit, or per layer for large networks) with the
  // matrices below it, or the matrices alone.
  $("graph-box").hidden = view === "matrices";
  $("matrices").hidden = false;
  $("graph-box").classList.add("natural");
  if (!$("graph-box").hidden) { if (collapsed()) drawCollapsed(); else drawNeurons(); }
  drawMatrices();
  renderSide();
  markGraph();
}

const COLORS = { input: "#ffec99", parameter: "#a5d8ff", unit: "#fff", output: "#ffa8a8", loss: "#e9ecef", target: "#ffec99" };

// The neuron view: a column per layer, a box per unit, a line per weight; drawn at
// its natural size, then scaled to fill the area (never below 85%, where it scrolls).
// An edit changes numbers, not the drawing's structure: the boxes and lines of the
// last drawing are then updated in place (same order), which keeps an edit fast.
let drawn = { signature: null, items: [] };
function drawNeurons() {
  const st = state, s = sample;
  const L = st.sizes.length - 1;
  const svg = $("graph");
  const signature = JSON.stringify([st.source, st.sizes, st.m, s, st.y_class_index, st.loss_kind,
    st.layers.map((l) => l.activation), Boolean(st.layers[L].ga), areaSize.width, areaSize.height]);
  const update = drawn.signature === signature && svg.firstChild;
  let cursor = 0;
  if (!update) {
    svg.replaceChildren();
    drawn = { signature, items: [] };
  }
  const LINE = 14, PAD = 5, GAP = 44, VGAP = 12;
  const width = (k) => (k === 0 ? 84 : 134);
  const lines = (k) => (k === 0 ? 2 : 5);
  const height = (k) => lines(k) * LINE + 2 * PAD;
  const columns = [];
  let x = 12;
  for (let k = 0; k <= L; ++k) {
    columns.push({ x, w: width(k), n: st.sizes[k], h: height(k) });
    x += width(k) + GAP;
  }
  const lossX = x, lossW = 104;
  const totalW = lossX + lossW + 10;
  const colH = (c) => c.n * c.h + (c.n - 1) * VGAP;
  const targets = st.y_class_index ? 1 : st.sizes[L];
  const lossColH = targets * (34 + VGAP) + 44;
  const H = Math.max(...columns.map(colH), lossColH) + 36;
  const top = (c, j) => 26 + (H - 26 - colH(c)) / 2 + j * (c.h + VGAP);
  const edges = update ? null : svgEl("g", {}, svg);
  if (!update) {
    fitSvg(svg, totalW, H);
    columns.forEach((c, k) => {
      const label = svgEl("text", { x: c.x, y: 15, class: "layer-label" }, svg);
      label.textContent = k === 0 ? "inputs x" : k === L ? "output layer " + k : "layer " + k;
    });
    svgEl("text", { x: lossX, y: 15, class: "layer-label" }, svg).textContent = "loss";
  }
  // Weights: colour by sign, width by size.
  let wmax = 1e-12;
  for (let k = 1; k <= L; ++k) st.layers[k].W.forEach((r) => r.forEach((v) => { wmax = Math.max(wmax, Math.abs(v)); }));
  for (let k = 1; k <= L; ++k) {
    const a = columns[k - 1], b = columns[k];
    st.layers[k].W.forEach((row, i) => row.forEach((w, j) => {
      const e = { what: "W", layer: k, row: i, col: j };
      let item;
      if (update) {
        item = drawn.items[cursor++];
      } else {
        const x0 = a.x + a.w, y0 = top(a, i) + a.h / 2, x1 = b.x, y1 = top(b, j) + b.h / 2, m = (x0 + x1) / 2;
        const d = "M" + x0 + "," + y0 + " C" + m + "," + y0 + " " + m + "," + y1 + " " + x1 + "," + y1;
        const path = svgEl("path", { d, class: "edge", "stroke-opacity": 0.7 }, edges);
        path.dataset.key = key(e);
        const hit = svgEl("path", { d, class: "edge-hit" }, edges);
        hit.dataset.key = key(e);
        hit.addEventListener("click", () => select(e));
        item = { path, title: svgEl("title", {}, hit) };
        drawn.items.push(item);
      }
      item.path.setAttribute("stroke", w >= 0 ? "#1971c2" : "#e8590c");
      item.path.setAttribute("stroke-width", (0.8 + 3.2 * Math.abs(w) / wmax).toFixed(2));
      item.title.textContent = elementName(e, st) + " = " + full(w) + "\ngradient " + full(st.layers[k].gW[i][j]);
    }));
  }
  // A box with lines of text; names are drawn once, numbers updated.
  const unit = (x0, y0, w, h, fill, e, rows) => {
    if (update) {
      const texts = drawn.items[cursor++];
      rows.forEach((r, i) => { if (!r.name && texts[i].textContent !== r.text) texts[i].textContent = r.text; });
      return;
    }
    const g = svgEl("g", { class: "unit" }, svg);
    g.dataset.key = key(e);
    svgEl("rect", { x: x0, y: y0, width: w, height: h, rx: 7, fill }, g);
    if (e.what === "a") svgEl("title", {}, g).textContent = "click: edit its bias, explain its gradients";
    const texts = rows.map((r, i) => {
      const t = svgEl("text", { x: x0 + PAD + 1, y: y0 + PAD + 11 + i * LINE, class: r.cls || "mono" }, g);
      if (r.name) svgName(t, r.name); else t.textContent = r.text;
      if (r.right) {
        const u = svgEl("text", { x: x0 + w - PAD, y: y0 + PAD + 11 + i * LINE, class: "mono", "text-anchor": "end" }, g);
        u.textContent = r.right;
      }
      return t;
    });
    drawn.items.push(texts);
    g.addEventListener("click", () => select(e));
  };
  for (let j = 0; j < st.sizes[0]; ++j) {
    const c = columns[0];
    unit(c.x, top(c, j), c.w, c.h, COLORS.input, { what: "x", layer: 0, row: s, col: j },
      [{ name: "x_" + (j + 1), cls: "head" }, { text: num(st.x[s][j]) }]);
  }
  for (let k = 1; k <= L; ++k) {
    const c = columns[k], l = st.layers[k];
    const out = k === L;
    for (let j = 0; j < st.sizes[k]; ++j) {
      unit(c.x, top(c, j), c.w, c.h, out ? COLORS.output : COLORS.unit, { what: "a", layer: k, row: s, col: j }, [
        { name: unitName(k, j, st), cls: "head", right: l.activation },
        { text: "z " + num(l.z[s][j]) },
        { text: (out ? "y\u0302 " : "a ") + num(l.a[s][j]) },
        { text: "g(z) " + num(l.gz[s][j]), cls: "mono grad" },
        { text: l.ga ? "g(a) " + num(l.ga[s][j]) : "g(a): none", cls: "mono grad" },
      ]);
    }
  }
  // The loss column: a target per output, then L.
  const out = columns[L];
  const lossTop = 26 + (H - 26 - lossColH) / 2;
  const Ly = lossTop + targets * (34 + VGAP);
  if (!update)
    for (let j = 0; j < st.sizes[L]; ++j)
      svgEl("line", { x1: out.x + out.w, y1: top(out, j) + out.h / 2, x2: lossX, y2: Ly + 20, stroke: "#adb5bd", "stroke-width": 1 }, edges);
  for (let j = 0; j < targets; ++j) {
    const yv = st.y_class_index ? st.y[s][0] : st.y[s][j];
    const yy = lossTop + j * (34 + VGAP);
    if (!update) svgEl("line", { x1: lossX + lossW / 2, y1: yy + 34, x2: lossX + lossW / 2, y2: Ly, stroke: "#adb5bd", "stroke-width": 1 }, edges);
    unit(lossX, yy, lossW, 34, COLORS.target, { what: "y", layer: 0, row: s, col: st.y_class_index ? 0 : j },
      [{ name: st.y_class_index ? "y (class)" : st.sizes[L] === 1 ? "y" : "y_" + (j + 1), cls: "head" }, { text: num(yv) }]);
  }
  unit(lossX, Ly, lossW, 40, COLORS.loss, { what: "L" }, [{ text: "L", cls: "head", right: st.loss_kind.replace("softmax_", "") }, { text: num(st.L, 6) }]);
}

// Sizes an SVG drawn at w x h to fill its box, up to 1.5 times; never smaller
// (the box scrolls instead, so that text stays readable).
// The area's size, kept by a ResizeObserver: reading it while drawing would make
// the browser lay the page out again in the middle of every edit.
const areaSize = { width: 800, height: 600 };
function fitSvg(svg, w, h) {
  const scale = Math.max(1, Math.min(1.5, (areaSize.width - 26) / w, (areaSize.height * 0.62) / h));
  svg.setAttribute("width", Math.round(w * scale));
  svg.setAttribute("height", Math.round(h * scale));
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
}

// The collapsed view: one box per layer listing what it holds.
function drawCollapsed() {
  const st = state, s = sample;
  const L = st.sizes.length - 1;
  const svg = $("graph");
  svg.replaceChildren();
  drawn = { signature: null, items: [] };
  const W = 160, GAP = 36, LINE = 15;
  // Each matrix as its shape and the range of its numbers (2 digits: the box is narrow).
  const range = (rows) => {
    // A loop, not Math.min(...f): a layer of 200,000 weights is more arguments than a call takes.
    let lo = Infinity, hi = -Infinity;
    for (const row of rows) for (const v of row) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    return lo <= hi ? "  " + num(lo, 2) + " .. " + num(hi, 2) : "  -";
  };
  const boxes = [];
  boxes.push({ title: "inputs x  (" + st.m + " x " + st.sizes[0] + ")", lines: ["sample " + (s + 1) + ":", range([st.x[s]])], e: null, fill: COLORS.input });
  for (let k = 1; k <= L; ++k) {
    const l = st.layers[k];
    boxes.push({ title: "layer " + k + "  (" + st.sizes[k] + " units)", fill: k === L ? COLORS.output : COLORS.parameter, e: k, lines: [
      "W^[" + k + "] " + st.sizes[k - 1] + " x " + st.sizes[k], range(l.W),
      "b^[" + k + "] 1 x " + st.sizes[k], range(l.b),
      "activation " + l.activation, "g(W)", range(l.gW), "g(z), sample " + (s + 1), range([l.gz[s]])] });
  }
  boxes.push({ title: "loss L", lines: [num(st.L, 6), st.loss_kind], e: "L", fill: COLORS.loss });
  const h = 2 * 6 + LINE * 10;
  const totalW = 14 + boxes.length * (W + GAP);
  fitSvg(svg, totalW, h + 30);
  boxes.forEach((b, i) => {
    const x = 14 + i * (W + GAP), y = 12;
    if (i > 0) svgEl("line", { x1: x - GAP, y1: y + h / 2, x2: x, y2: y + h / 2, stroke: "#868e96", "stroke-width": 1.5 }, svg);
    const g = svgEl("g", { class: "unit" }, svg);
    svgEl("rect", { x, y, width: W, height: h, rx: 7, fill: b.fill }, g);
    const t = svgEl("text", { x: x + 7, y: y + 17, class: "head" }, g);
    t.textContent = b.title;
    b.lines.forEach((line, n) => {
      const u = svgEl("text", { x: x + 7, y: y + 17 + (n + 1) * LINE, class: "mono" }, g);
      if (line.includes("^[")) svgName(u, line); else u.textContent = line;
    });
    g.addEventListener("click", () => {
      if (b.e === "L") { select({ what: "L" }); return; }
      const target = b.e ? $("matrix-W" + b.e) : $("matrix-x");
      if (target) target.scrollIntoView({ block: "nearest" });
    });
  });
}

// Matrices: each layer's W and b with gradients, the sample's z and a, x and y; every cell clickable.
let drawnMatrices = { signature: null, cells: [] };
function drawMatrices() {
  const st = state, s = sample;
  const L = st.sizes.length - 1;
  const box = $("matrices");
  const signature = JSON.stringify([st.source, st.sizes, st.m, s]);
  const update = drawnMatrices.signature === signature && box.firstChild;
  let cursor = 0;
  if (!update) {
    box.replaceChildren();
    drawnMatrices = { signature, cells: [] };
  }
  const MAX = 64;
  const fill = (cell, e, v, g) => {
    // The exact numbers, for tests and copying; the cell shows 4 digits.
    cell.td.dataset.value = String(v);
    cell.value.textContent = num(v);
    if (cell.grad) {
      cell.td.dataset.grad = String(g);
      cell.grad.textContent = g === null ? "-" : num(g);
    }
    cell.td.title = elementName(e, st) + " = " + full(v) + (cell.grad ? "\ngradient " + full(g) : "");
  };
  const table = (id, title, rows, grads, make) => {
    if (update) {
      rows.slice(0, MAX).forEach((row, i) => row.slice(0, MAX).forEach((v, j) =>
        fill(drawnMatrices.cells[cursor++], make(i, j), v, grads && grads[i][j])));
      return;
    }
    const block = el("div", "matrix-block");
    block.id = id;
    const h = el("h3");
    h.appendChild(math(title));
    const r = rows.length, c = rows[0].length;
    if (r > MAX || c > MAX) h.appendChild(el("span", "label", "  showing " + Math.min(r, MAX) + " x " + Math.min(c, MAX) + " of " + r + " x " + c));
    block.appendChild(h);
    const t = el("table", "matrix");
    rows.slice(0, MAX).forEach((row, i) => {
      const tr = el("tr");
      row.slice(0, MAX).forEach((v, j) => {
        const td = el("td");
        const e = make(i, j);
        td.dataset.key = key(e);
        const cell = { td, value: td.appendChild(el("span")), grad: grads ? td.appendChild(el("span", "g")) : null };
        fill(cell, e, v, grads && grads[i][j]);
        drawnMatrices.cells.push(cell);
        td.addEventListener("click", () => select(e));
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    block.appendChild(t);
    box.appendChild(block);
  };
  table("matrix-x", "x (sample " + (s + 1) + ")", [st.x[s]], null, (i, j) => ({ what: "x", layer: 0, row: s, col: j }));
  for (let k = 1; k <= L; ++k) {
    const l = st.layers[k];
    table("matrix-W" + k, "W^[" + k + "] and g^[" + k + "W]", l.W, l.gW, (i, j) => ({ what: "W", layer: k, row: i, col: j }));
    table("matrix-b" + k, "b^[" + k + "] and g^[" + k + "b]", l.b, l.gb, (i, j) => ({ what: "b", layer: k, row: 0, col: j }));
    table("matrix-z" + k, "z^[" + k + "] and g^[" + k + "z] (sample " + (s + 1) + ")", [l.z[s]], [l.gz[s]],
      (i, j) => ({ what: "z", layer: k, row: s, col: j }));
  }
  table("matrix-y", "y (sample " + (s + 1) + ")", [st.y[s]], null,
    (i, j) => ({ what: "y", layer: 0, row: s, col: j }));
}

const key = (e) => [e.what, e.layer || 0, e.row || 0, e.col || 0].join(":");

// Marks the selected element red and the elements its explanation links to blue.
function markGraph() {
  document.querySelectorAll(".selected, .linked").forEach((n) => n.classList.remove("selected", "linked"));
  const mark = (e, cls) => {
    if (!e) return;
    const keys = [key(e)];
    // A unit stands for both its z and its a.
    if (e.what === "z") keys.push(key({ ...e, what: "a" }));
    keys.forEach((k) => document.querySelectorAll('[data-key="' + k + '"]').forEach((n) => {
      if (!n.classList.contains("edge-hit")) n.classList.add(cls);
    }));
  };
  if (explainedAnswer) (explainedAnswer.terms || []).forEach((t) => {
    mark(t.link, "linked");
    // The weight each fan-out path runs along.
    if (explained && explained.what === "a" && t.link && t.link.what === "z")
      mark({ what: "W", layer: t.link.layer, row: explained.col, col: t.link.col }, "linked");
  });
  mark(selected, "selected");
}

// ------------------------------------------------------------------ the side panel

let explainedAnswer = null;
let lastLatency = null;

function select(e) {
  selected = e;
  clearMessage();
  // An input is a^[0]; a target enters the loss's derivative, g^[Lz].
  explained = e.what === "x" ? { what: "a", layer: 0, row: e.row, col: e.col } : e.what === "y" ? { what: "z", layer: state.sizes.length - 1, row: e.row, col: state.y_class_index ? 0 : e.col } : e;
  if (e.what === "a" && e.layer === state.sizes.length - 1 && !state.layers[e.layer].ga) explained = { ...e, what: "z" };
  if (e.row !== undefined && (e.what === "x" || e.what === "a" || e.what === "z" || e.what === "y")) sample = e.row;
  renderNetwork();
}

function renderSide() {
  renderEditor();
  renderExplanation();
  renderCheck();
}

function renderEditor() {
  const box = $("editor");
  const st = state, e = selected;
  const keep = document.activeElement;
  box.replaceChildren();
  if (!e) {
    box.appendChild(el("span", "label", "nothing selected: click a weight, a unit, an input, the target or L"));
    return;
  }
  const L = st.sizes.length - 1;
  // What can be typed: a weight, a bias (of a selected unit), an input, a target.
  // The field being typed into is kept as it is (an edit redraws the panel):
  // rebuilding it would lose the caret and a half-typed "0.".
  const typing = keep instanceof HTMLInputElement && keep.dataset.key ? keep : null;
  const editable = (target, value, label) => {
    const row = el("div", "edit-row");
    row.appendChild(math(label + " ="));
    let input = typing && typing.dataset.key === key(target) ? typing : null;
    if (!input) {
      input = el("input");
      input.type = "number";
      input.step = target.what === "y" && state.loss_kind === "softmax_ce" ? "1" : "0.1";
      input.value = full(value);
      input.dataset.key = key(target);
      input.id = "edit-" + target.what;
      input.addEventListener("input", () => {
        if (input.value.trim() === "" || !Number.isFinite(Number(input.value))) return;
        applyEdit(target, Number(input.value));
      });
    }
    row.appendChild(input);
    box.appendChild(row);
    return input;
  };
  const line = (text) => { const d = el("div", "values"); d.appendChild(math(text)); box.appendChild(d); };
  if (e.what === "W") {
    editable(e, st.layers[e.layer].W[e.row][e.col], elementName(e, st));
    line("gradient g^[" + e.layer + "W]_" + (e.row + 1) + "," + (e.col + 1) + " = " + full(st.layers[e.layer].gW[e.row][e.col]));
  } else if (e.what === "b") {
    editable(e, st.layers[e.layer].b[0][e.col], elementName(e, st));
    line("gradient g^[" + e.layer + "b]_" + (e.col + 1) + " = " + full(st.layers[e.layer].gb[0][e.col]));
  } else if (e.what === "x") {
    editable(e, st.x[e.row][e.col], elementName(e, st));
    line("an input: the tape needs no gradient for it");
  } else if (e.what === "y") {
    const cls = st.loss_kind === "softmax_ce";
    editable(e, st.y[e.row][e.col], elementName(e, st));
    line(cls ? (st.y_class_index ? "the class number, 0.." + (st.sizes[L] - 1)
                                 : "type 1 to make this output the sample's class (the row stays one-hot)")
             : st.loss_kind === "bce" ? "a target in [0, 1]" : "the target");
  } else if (e.what === "a" || e.what === "z") {
    const l = st.layers[e.layer];
    box.appendChild(math("unit " + unitName(e.layer, e.col, st) + (st.m > 1 ? " (sample " + (e.row + 1) + ")" : "")));
    editable({ what: "b", layer: e.layer, row: 0, col: e.col }, l.b[0][e.col], "b_" + (e.col + 1) + "^[" + e.layer + "]");
    line("z_" + (e.col + 1) + "^[" + e.layer + "] = " + full(l.z[e.row][e.col]) + "   a = " + l.activation + "(z) = " + full(l.a[e.row][e.col]));
    line("g^[" + e.layer + "z]_" + (e.col + 1) + " = " + full(l.gz[e.row][e.col]) +
         (l.ga ? "   g^[" + e.layer + "a]_" + (e.col + 1) + " = " + full(l.ga[e.row][e.col]) : ""));
    const buttons = el("div", "edit-row");
    const explainButton = (what, text) => {
      const b = el("button", "", text);
      b.id = "explain-" + what;
      b.addEventListener("click", () => { explained = { ...e, what }; renderSide(); markGraph(); });
      buttons.appendChild(b);
    };
    if (l.ga && l.activation !== "identity") explainButton("a", "explain g(a)");
    explainButton("z", "explain g(z)");
    box.appendChild(buttons);
  } else if (e.what === "L") {
    line("L = " + full(st.L) + " (" + st.loss_kind + ", " + st.reduction + ")");
  }
  if (lastLatency !== null) box.appendChild(el("div", "label latency", "every number updated in " + lastLatency.toFixed(1) + " ms"));
  if (typing && typing.isConnected && document.activeElement !== typing) typing.focus();
}

// An edit: the engine recomputes the forward pass, backward pass, hand derivation,
// check and explanation; then everything is drawn again.
function applyEdit(target, value) {
  const t0 = performance.now();
  const answer = call({ op: "set", element: target, value });
  if (!answer) return;
  clearMessage();
  const t1 = performance.now();
  load(answer, true);
  document.body.dataset.editEngineMs = (t1 - t0).toFixed(2);
  // The time until the new numbers are laid out for the next frame.
  requestAnimationFrame(() => {
    void document.body.offsetHeight;
    lastLatency = performance.now() - t0;
    document.body.dataset.editMs = lastLatency.toFixed(2);
    const latency = $("editor").querySelector(".latency");
    if (latency) latency.textContent = "every number updated in " + lastLatency.toFixed(1) + " ms";
  });
}

function renderExplanation() {
  const box = $("explain");
  box.replaceChildren();
  explainedAnswer = null;
  if (!explained) {
    box.appendChild(el("span", "label", "select something to see its gradient arise from the chain rule"));
    return;
  }
  const x = call({ op: "explain", element: explained });
  if (!x) return;
  explainedAnswer = x;
  box.dataset.what = key(explained);
  box.dataset.value = String(x.value);
  box.dataset.sum = String(x.sum);
  box.dataset.terms = String(x.terms.length);
  const title = el("div", "math");
  title.innerHTML = "<b>" + nameHTML(x.name) + "</b> = dL/d" + nameHTML(x.of) +
    (x.value !== null && x.value !== undefined ? " = <span class=\"grad\">" + full(x.value) + "</span>" : "");
  box.appendChild(title);
  const intro = el("div", "explain-intro");
  intro.innerHTML = nameHTML(x.intro);
  box.appendChild(intro);
  if (x.rule) {
    const r = el("div", "explain-rule math");
    r.innerHTML = nameHTML(x.rule);
    box.appendChild(r);
  }
  if (x.loss_terms) {
    box.appendChild(el("div", "label", "L = " + full(x.loss) + ", the sum of one term per sample:"));
    const t = el("table", "terms");
    x.loss_terms.forEach((term) => {
      const tr = el("tr");
      tr.appendChild(el("td", "", term.path));
      tr.appendChild(el("td", "num", full(term.value)));
      t.appendChild(tr);
    });
    box.appendChild(t);
    box.appendChild(el("div", "sum-line", "sum = " + full(x.loss_sum)));
    return;
  }
  if (x.see) {
    const a = el("span", "explain-link", "explain " + elementName(x.see, state).replace(/\^\[(\d+)\]/, "^[$1]"));
    a.addEventListener("click", () => select(x.see));
    box.appendChild(a);
  }
  if (!x.terms.length) return;
  box.appendChild(el("div", "label", x.terms.length === 1 ? "one path, one term: local derivative x upstream gradient"
    : x.terms.length + " terms, one per path, each local derivative x upstream gradient; their sum is the gradient"));
  const t = el("table", "terms");
  const head = el("tr");
  ["local derivative", "\u00d7 upstream gradient", "= term"].forEach((h) => head.appendChild(el("th", "", h)));
  t.appendChild(head);
  x.terms.forEach((term) => {
    const tr = el("tr");
    const local = el("td");
    if (x.terms.length > 1) {
      const path = el("div", "label");
      path.innerHTML = nameHTML(term.path);
      local.appendChild(path);
    }
    local.appendChild(math(term.local_names));
    local.appendChild(el("div", "label", "= " + term.local_numbers));
    tr.appendChild(local);
    const up = el("td");
    const link = el("a");
    link.innerHTML = nameHTML(term.upstream_name);
    link.title = "explain this gradient";
    link.addEventListener("click", () => select(term.link));
    up.appendChild(link);
    up.appendChild(el("div", "label", "= " + num(term.upstream, 6)));
    tr.appendChild(up);
    tr.appendChild(el("td", "num grad", num(term.value, 6)));
    t.appendChild(tr);
  });
  box.appendChild(t);
  if (x.more) box.appendChild(el("div", "label", "... and " + x.more.count + " more terms, adding up to " + full(x.more.sum)));
  const sum = el("div", "sum-line");
  sum.innerHTML = "sum of the terms = <b class=\"grad\">" + full(x.sum) + "</b>; the tape's gradient = " + full(x.value) +
    (x.hand !== null && x.hand !== undefined ? "; by hand = " + full(x.hand) : "");
  box.appendChild(sum);
}

// The check takes two forward passes per parameter, each about parameters x samples
// multiply-adds; above this it waits for a click.
const CHECK_LIMIT = 2e6;
function renderCheck(force) {
  const box = $("check");
  box.replaceChildren();
  if (!force && 2 * state.parameters * state.parameters * state.m > CHECK_LIMIT) {
    const b = el("button", "", "Run the check (" + (2 * state.parameters) + " extra forward passes)");
    b.id = "run-check";
    b.addEventListener("click", () => renderCheck(true));
    box.appendChild(b);
    return;
  }
  const c = call({ op: "check" });
  if (!c) return;
  box.appendChild(el("div", "label", "Every gradient three ways: the tape, the hand derivation (the textbook formulas, " +
    "no tape) and central finite differences (eps " + c.eps + "). Largest relative differences:"));
  const t = el("table", "check");
  const head = el("tr");
  ["", "tape vs hand", "tape vs FD", "hand vs FD", ""].forEach((h) => head.appendChild(el("th", "", h)));
  t.appendChild(head);
  c.parameters.forEach((p) => {
    const tr = el("tr");
    const name = el("td");
    name.appendChild(math(p.name));
    tr.appendChild(name);
    [p.tape_hand, p.tape_fd, p.hand_fd].forEach((d) => tr.appendChild(el("td", "math", d.rel === null ? "nan" : d.rel.toExponential(1))));
    tr.appendChild(el("td", p.passed ? "ok" : "bad", p.passed ? "\u2713" : "\u2717"));
    t.appendChild(tr);
  });
  box.appendChild(t);
  const verdict = el("div", c.passed ? "ok" : "bad", (c.passed ? "\u2713 all agree" : "\u2717 a mismatch") +
    " (tolerances: tape vs hand " + c.hand_tolerance + ", vs FD " + c.fd_tolerance + ")");
  verdict.id = "check-verdict";
  box.appendChild(verdict);
}

// ------------------------------------------------------------------ step through

function refreshSteps() {
  if (!state) return;
  const scalarOk = state.scalar_records <= 4000;
  const viewSel = $("steps-view");
  viewSel.options[1].disabled = !scalarOk;
  if (!scalarOk && viewSel.value === "scalar") viewSel.value = "tensor";
  $("steps-note").textContent = scalarOk ? "" : "(the scalar view would record " + state.scalar_records + " values: too many to step through)";
  const scalar = viewSel.value === "scalar";
  $("steps-sample-box").hidden = !scalar || state.m <= 1;
  const sel = $("steps-sample");
  if (sel.options.length !== state.m) sel.replaceChildren(...Array.from({ length: state.m }, (_, i) => new Option(String(i + 1), String(i))));
  const wanted = JSON.stringify([scalar, Number(sel.value || 0)]);
  if (!stepsDirty && $("steps-frame").dataset.showing === wanted) return;
  const answer = call({ op: "steps", scalar, sample: Number(sel.value || 0) });
  if (!answer) return;
  stepsDirty = false;
  $("steps-frame").dataset.showing = wanted;
  $("steps-frame").srcdoc = answer.html;
}

// ------------------------------------------------------------------ training

const training = { info: null, playing: false, frames: [], epochsPerFrame: 0, curves: [], msPerStep: 0 };
let frameCount = 0;  // frames drawn while training, for bench/lab_page.mjs
const PLANE_SETS = ["xor", "circles", "moons", "spirals"];
let userCsv = null;  // {name, text}

function embedded(name) {
  const s = document.getElementById("data-" + name);
  return { name: s.dataset.name, text: s.textContent.replace(/^\n/, "") };
}

function dataRequest() {
  const set = $("t-set").value;
  if (PLANE_SETS.includes(set))
    return { set, points: Number($("t-points").value), noise: Number($("t-noise").value), data_seed: Number($("t-data-seed").value) };
  const data = set === "csv" ? userCsv : embedded(set);
  return { csv: data.text, name: data.name };
}

function trainRequest() {
  const loss = $("t-loss").value;
  return Object.assign(dataRequest(), {
    op: "train_setup",
    layers: $("t-layers").value,
    activation: $("t-activation").value,
    loss: loss || null,
    optimizer: $("t-optimizer").value,
    lr: Number($("t-lr").value),
    batch: Number($("t-batch").value),
    epochs: Number($("t-epochs").value),
    seed: Number($("t-seed").value),
    val_fraction: Number($("t-val").value),
    test_fraction: Number($("t-test").value),
    patience: Number($("t-patience").value),
  });
}

// Fills in the layer sizes and loss that fit a data set: its features in, its classes out.
const NOISE = { xor: 0, circles: 0.05, moons: 0.1, spirals: 0.05 };
function fitFormToData() {
  const set = $("t-set").value;
  $("plane-options").hidden = !PLANE_SETS.includes(set);
  if (set in NOISE) $("t-noise").value = String(NOISE[set]);
  let inputs = 2, outputs = 1, hidden = "8,8";
  if (!PLANE_SETS.includes(set)) {
    const data = set === "csv" ? userCsv : embedded(set);
    const probe = call({ op: "train_probe", csv: data.text, name: data.name });
    if (!probe) return false;
    inputs = probe.features;
    outputs = probe.outputs;
    // tapegrad train's default: a validation set from 50 rows on.
    $("t-val").value = probe.rows >= 50 ? "0.2" : "0";
    hidden = set === "digits" ? "32" : "16";
  }
  $("t-layers").value = inputs + "," + hidden + "," + outputs;
  $("t-loss").value = "";
  return true;
}

function setupTraining() {
  pauseTraining();
  training.msPerStep = 0;
  const info = call(trainRequest());
  training.info = info;
  training.curves = [];
  training.points = null;
  if (!info) {
    drawTraining();
    return false;
  }
  clearMessage();
  training.points = info.plane ? call({ op: "train_points" }) : null;
  drawTraining();
  return true;
}

function pauseTraining() {
  training.playing = false;
  $("t-play").innerHTML = "&#9654; Train";
}

function playTraining() {
  if (!training.info && !setupTraining()) return;
  if (training.info.finished) { rewindTraining(); }
  training.playing = true;
  training.frames = [];
  $("t-play").innerHTML = "&#10074;&#10074; Pause";
  requestAnimationFrame(trainFrame);
}

// One frame: at least one epoch, more while the frame's budget lasts, then the pictures.
// The budget is 5 ms while frames come at 40 per second or more; on a slower or busy
// machine it is one epoch a frame, so that the page keeps drawing. Where one epoch
// would take longer than a frame should (a large CSV), a frame takes as many
// mini-batch steps as fit in 15 ms instead, and epochs end across frames.
const SLOW_EPOCH_MS = 30, STEPS_MS = 15;
function trainFrame(now) {
  if (!training.playing) return;
  const t0 = performance.now();
  const f = training.frames;
  const budget = f.length && now - f[f.length - 1].now > 25 ? 0 : 5;
  const info = training.info;
  const stepsPerEpoch = Math.ceil(info.split.train / info.batch);
  const epochBefore = info.epoch;
  const byStep = training.msPerStep * stepsPerEpoch > SLOW_EPOCH_MS;
  do {
    const steps = byStep ? Math.max(1, Math.floor(STEPS_MS / training.msPerStep)) : 0;
    const stepsBefore = info.steps, c0 = performance.now();
    const r = call(byStep ? { op: "train_run", steps } : { op: "train_run", epochs: 1 });
    if (!r) { pauseTraining(); return; }
    absorb(r);
    if (r.steps > stepsBefore) training.msPerStep = (performance.now() - c0) / (r.steps - stepsBefore);
    if (r.finished) break;
  } while (!byStep && performance.now() - t0 < budget);
  const t1 = performance.now();
  drawTraining();
  training.frames.push({ now, epochs: info.epoch - epochBefore, trainMs: t1 - t0, drawMs: performance.now() - t1 });
  ++frameCount;
  if (training.frames.length > 90) training.frames.shift();
  if (training.info.finished) { pauseTraining(); drawTraining(); return; }
  requestAnimationFrame(trainFrame);
}

function absorb(r) {
  r.history.forEach((h) => training.curves.push(h));
  Object.assign(training.info, { epoch: r.epoch, steps: r.steps, finished: r.finished,
    stopped_early: r.stopped_early, test_accuracy: r.test_accuracy, test_rows: r.test_rows });
}

function stepTraining() {
  if (!training.info && !setupTraining()) return;
  pauseTraining();
  const r = call({ op: "train_run", steps: 1 });
  if (r) absorb(r);
  drawTraining();
}

function rewindTraining() {
  pauseTraining();
  training.msPerStep = 0;
  const info = call({ op: "train_rewind" });
  if (!info) return;
  training.info = info;
  training.curves = [];
  drawTraining();
}

function frameRate() {
  const f = training.frames;
  if (f.length < 2) return null;
  const seconds = (f[f.length - 1].now - f[0].now) / 1000;
  const epochs = f.slice(1).reduce((t, x) => t + x.epochs, 0);
  return { fps: (f.length - 1) / seconds, epochsPerFrame: epochs / (f.length - 1) };
}

function drawTraining() {
  const info = training.info;
  const status = $("t-status");
  if (!info) {
    status.textContent = "";
    drawCurves($("loss-plot"), [], "train_loss", "val_loss", 0);
    drawCurves($("accuracy-plot"), [], "train_accuracy", "val_accuracy", 0);
    return;
  }
  const last = training.curves[training.curves.length - 1];
  const rate = training.playing ? frameRate() : null;
  status.textContent =
    info.source + ": " + info.rows + " rows (" + info.split.train + " train, " + info.split.validation + " val, " + info.split.test + " test)\n" +
    "epoch " + info.epoch + " of " + info.epochs + ", step " + info.steps + (info.finished ? (info.stopped_early ? " (stopped early)" : " (done)") : "") + "\n" +
    (last ? "loss " + num(last.train_loss, 5) + (last.val_loss !== null ? "  val " + num(last.val_loss, 5) : "") +
      "\nacc " + (100 * last.train_accuracy).toFixed(1) + "%" + (last.val_accuracy !== null ? "  val " + (100 * last.val_accuracy).toFixed(1) + "%" : "") : "") +
    (info.finished && info.test_accuracy !== undefined && info.test_accuracy !== null
      ? "\ntest accuracy " + (100 * info.test_accuracy).toFixed(2) + "% (" + Math.round(info.test_accuracy * info.test_rows) + "/" + info.test_rows + ")" : "") +
    (rate ? "\n" + rate.fps.toFixed(0) + " frames/s, " + rate.epochsPerFrame.toFixed(1) + " epochs/frame" : "");
  status.dataset.epoch = info.epoch;
  if (rate) { status.dataset.fps = rate.fps.toFixed(1); status.dataset.epochsPerFrame = rate.epochsPerFrame.toFixed(2); }
  if (last) status.dataset.loss = String(last.train_loss);
  const total = Math.max(info.epochs, 1);
  drawCurves($("loss-plot"), training.curves, "train_loss", "val_loss", total);
  drawCurves($("accuracy-plot"), training.curves, "train_accuracy", "val_accuracy", total, 1);
  drawBoundary();
}

// A loss or accuracy plot: axes drawn when the scale changes, the two curves every frame.
function drawCurves(svg, history, a, b, epochs, fixedTop) {
  const W = Math.max(200, Math.round(plotSize.curveW)), H = Math.max(120, Math.round(plotSize.curveH));
  const left = 46, right = 10, topPad = 8, bottom = 24;
  const values = history.flatMap((h) => [h[a], h[b]]).filter((v) => v !== null && Number.isFinite(v));
  const topV = fixedTop || Number((values.reduce((m, v) => Math.max(m, v), 1e-9) * 1.05).toPrecision(2));
  const X = (e) => left + (W - left - right) * (epochs > 1 ? (e - 1) / (epochs - 1) : 0);
  const Y = (v) => topPad + (H - topPad - bottom) * (1 - Math.min(v, topV) / topV);
  const signature = [W, H, topV, epochs].join(" ");
  if (svg.dataset.signature !== signature) {
    svg.replaceChildren();
    svg.dataset.signature = signature;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    for (let i = 0; i <= 4; ++i) {
      const v = topV * i / 4;
      svgEl("line", { x1: left, x2: W - right, y1: Y(v), y2: Y(v), class: "grid" }, svg);
      const t = svgEl("text", { x: left - 4, y: Y(v) + 4, "text-anchor": "end" }, svg);
      t.textContent = fixedTop ? Math.round(100 * v) + "%" : num(v, 2);
    }
    svgEl("line", { x1: left, x2: left, y1: topPad, y2: H - bottom, class: "axis" }, svg);
    svgEl("line", { x1: left, x2: W - right, y1: H - bottom, y2: H - bottom, class: "axis" }, svg);
    const xl = svgEl("text", { x: W - right, y: H - 6, "text-anchor": "end" }, svg);
    xl.textContent = "epoch " + (epochs || "");
    svgEl("text", { x: left, y: H - 6 }, svg).textContent = "1";
    svgEl("polyline", { class: "train" }, svg);
    svgEl("polyline", { class: "val" }, svg);
  }
  const [train, val] = svg.querySelectorAll("polyline");
  for (const [field, line] of [[a, train], [b, val]])
    line.setAttribute("points", history.filter((h) => h[field] !== null)
      .map((h) => X(h.epoch).toFixed(1) + "," + Y(h[field]).toFixed(1)).join(" "));
}

// The train tab's square and curves, sized to the window (kept by a ResizeObserver).
const plotSize = { square: 420, curveW: 420, curveH: 186 };
function sizePlots() {
  const area = $("train-plots");
  const square = Math.round(Math.max(280, Math.min(area.clientHeight - 40, area.clientWidth * 0.5)));
  if (square !== plotSize.square) {
    plotSize.square = square;
    area.style.setProperty("--square", square + "px");
    for (const id of ["boundary", "points"]) {
      $(id).width = square;
      $(id).height = square;
    }
    training.pointsDrawn = null;
  }
  const box = $("loss-plot").getBoundingClientRect();
  plotSize.curveW = box.width;
  plotSize.curveH = box.height;
}

const CLASS_COLORS = [[232, 89, 12], [25, 113, 194], [47, 158, 68], [174, 62, 201], [240, 140, 0],
                      [12, 166, 120], [230, 73, 128], [73, 80, 87], [250, 176, 5], [34, 139, 230]];
// The decision boundary: the network's output on a grid of the plane, every frame;
// the data's points on a canvas above it, drawn once per data set and size.
function drawBoundary() {
  const canvas = $("boundary"), overlay = $("points");
  const ctx = canvas.getContext("2d");
  const info = training.info;
  const w = canvas.width, h = canvas.height;
  if (!info || !info.plane) {
    $("boundary-note").textContent = info ? "(drawn for data with 2 features; this has " + info.features + ")" : "";
    ctx.fillStyle = "#f8f9fa";
    ctx.fillRect(0, 0, w, h);
    overlay.getContext("2d").clearRect(0, 0, w, h);
    training.pointsDrawn = null;
    return;
  }
  $("boundary-note").textContent = info.outputs === 1 ? "(colour: the network's y\u0302, 0 orange to 1 blue)" : "(colour: the class it picks)";
  const [bx0, bx1, by0, by1] = info.bounds;
  const padX = (bx1 - bx0) * 0.08 || 1, padY = (by1 - by0) * 0.08 || 1;
  const x0 = bx0 - padX, x1 = bx1 + padX, y0 = by0 - padY, y1 = by1 + padY;
  const N = 48;
  const ptr = engine._lab_grid(N, N, x0, x1, y0, y1);
  if (ptr) {
    const grid = engine.HEAPF64.subarray(ptr / 8, ptr / 8 + N * N);
    if (!training.small) {
      training.small = document.createElement("canvas");
      training.small.width = training.small.height = N;
      training.image = training.small.getContext("2d").createImageData(N, N);
    }
    const image = training.image;
    for (let r = 0; r < N; ++r)
      for (let c = 0; c < N; ++c) {
        const v = grid[r * N + c];
        const [R, G, B] = info.outputs === 1
          ? CLASS_COLORS[0].map((x, i) => x + (CLASS_COLORS[1][i] - x) * Math.min(1, Math.max(0, v)))
          : CLASS_COLORS[v % CLASS_COLORS.length];
        const o = ((N - 1 - r) * N + c) * 4;  // rows run up the plane, down the canvas
        image.data[o] = 255 - (255 - R) * 0.45;
        image.data[o + 1] = 255 - (255 - G) * 0.45;
        image.data[o + 2] = 255 - (255 - B) * 0.45;
        image.data[o + 3] = 255;
      }
    training.small.getContext("2d").putImageData(image, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(training.small, 0, 0, w, h);
  }
  const p = training.points;
  if (!p || training.pointsDrawn === p) return;
  training.pointsDrawn = p;
  const top = overlay.getContext("2d");
  top.clearRect(0, 0, w, h);
  for (let i = 0; i < p.x.length; ++i) {
    const cx = (p.x[i] - x0) / (x1 - x0) * w, cy = h - (p.y[i] - y0) / (y1 - y0) * h;
    const [R, G, B] = CLASS_COLORS[Math.round(p.label[i]) % CLASS_COLORS.length];
    top.beginPath();
    top.arc(cx, cy, 3.4, 0, 2 * Math.PI);
    top.fillStyle = p.set[i] === 0 ? "rgb(" + R + "," + G + "," + B + ")" : "#fff";
    top.fill();
    top.lineWidth = p.set[i] === 0 ? 0.8 : 1.8;
    top.strokeStyle = p.set[i] === 0 ? "#fff" : "rgb(" + R + "," + G + "," + B + ")";
    top.stroke();
  }
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ------------------------------------------------------------------ files

function openModelText(text, name) {
  const answer = call({ op: "open", text, name });
  if (!answer) return false;
  clearMessage();
  sample = 0;
  load(answer);
  showTab("network");
  return true;
}

function useCsv(text, name) {
  userCsv = { text, name };
  const option = $("t-set").querySelector('option[value="csv"]');
  option.disabled = false;
  option.textContent = "your CSV: " + name;
  $("t-set").value = "csv";
  showTab("train");
  const read = () => {
    if (!fitFormToData()) { training.info = null; drawTraining(); return; }
    setupTraining();
  };
  if (text.length < 1e6) return read();
  // The engine reads a large file for a few seconds (its shape, then the run): say so
  // first, and start once the page has drawn that.
  pauseTraining();
  training.info = null;
  drawTraining();
  $("t-status").textContent = "reading " + name + " (" + (text.length / 1e6).toFixed(1) + " MB) ...";
  requestAnimationFrame(() => setTimeout(read, 0));
}

function readFile(file, then) {
  const reader = new FileReader();
  reader.onload = () => then(String(reader.result), file.name);
  reader.onerror = () => showError(file.name + ": cannot be read");
  reader.readAsText(file);
}

// A .csv file is data and a .json file a model; any other name goes by what it holds:
// a model file is a JSON object, so it starts with "{".
function openFile(file) {
  readFile(file, (text, name) => {
    const csv = /\.csv$/i.test(name) || file.type === "text/csv" ||
      (!/\.json$/i.test(name) && !/^\s*\{/.test(text.slice(0, 1000)));
    return csv ? useCsv(text, name) : openModelText(text, name);
  });
}

// ------------------------------------------------------------------ wiring

function fillActivations() {
  const names = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "softplus", "identity"];
  for (const [id, value] of [["t-activation", "tanh"], ["n-hidden", "sigmoid"], ["n-output", "sigmoid"]]) {
    $(id).replaceChildren(...names.map((n) => new Option(n, n)));
    $(id).value = value;
  }
}

function wire() {
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("example").addEventListener("click", () => { sample = 0; load(call({ op: "example" })); clearMessage(); showTab("network"); });
  $("open").addEventListener("click", () => $("open-file").click());
  $("open-file").addEventListener("change", () => { if ($("open-file").files[0]) openFile($("open-file").files[0]); $("open-file").value = ""; });
  $("save").addEventListener("click", () => {
    const a = call({ op: "save" });
    if (a) download(/\.json$/.test(state.source) ? state.source : "model.json", a.text);
  });
  $("new").addEventListener("click", () => { $("n-error").textContent = ""; $("new-dialog").showModal(); });
  $("n-build").addEventListener("click", (ev) => {
    ev.preventDefault();
    const sizes = $("n-sizes").value.split(",").map((s) => Number(s.trim()));
    const text = engineText({ op: "build", sizes,
      hidden: $("n-hidden").value, output: $("n-output").value, loss: $("n-loss").value, seed: Number($("n-seed").value) });
    const answer = JSON.parse(text);
    if (answer.error) { $("n-error").textContent = "error: " + answer.error; return; }
    $("new-dialog").close();
    sample = 0;
    load(answer);
    clearMessage();
    showTab("network");
  });
  $("n-loss").addEventListener("change", () => {
    const loss = $("n-loss").value;
    if (loss === "bce") $("n-output").value = "sigmoid";
    if (loss === "softmax_ce") $("n-output").value = "identity";
  });
  $("sample").addEventListener("change", () => { sample = Number($("sample").value); if (selected && selected.row !== undefined && ["x", "a", "z", "y"].includes(selected.what)) { selected = { ...selected, row: sample }; explained = explained && { ...explained, row: sample }; } renderNetwork(); });
  $("view-neurons").addEventListener("click", () => { view = "neurons"; renderNetwork(); });
  $("view-matrices").addEventListener("click", () => { view = "matrices"; renderNetwork(); });
  $("steps-view").addEventListener("change", refreshSteps);
  $("steps-sample").addEventListener("change", refreshSteps);

  $("t-set").addEventListener("change", () => { if (fitFormToData()) setupTraining(); });
  for (const id of ["t-points", "t-noise", "t-data-seed", "t-layers", "t-activation", "t-loss", "t-lr", "t-batch", "t-epochs", "t-seed", "t-val", "t-test", "t-patience"])
    $(id).addEventListener("change", setupTraining);
  $("t-optimizer").addEventListener("change", () => {
    $("t-lr").value = ["adam", "adamw"].includes($("t-optimizer").value) ? "0.01" : "0.1";
    setupTraining();
  });
  $("t-play").addEventListener("click", () => (training.playing ? pauseTraining() : playTraining()));
  $("t-step").addEventListener("click", stepTraining);
  $("t-rewind").addEventListener("click", rewindTraining);
  $("t-inspect").addEventListener("click", () => {
    if (!training.info) return;
    pauseTraining();
    const answer = call({ op: "train_inspect", rows: 8 });
    if (answer) { sample = 0; load(answer); showTab("network"); }
  });
  $("t-save-model").addEventListener("click", () => {
    const a = training.info && call({ op: "train_save" });
    if (a) download(training.info.source.replace(/\.csv$/i, "") + ".model.json", a.text);
  });
  $("t-save-csv").addEventListener("click", () => {
    const a = training.info && call({ op: "train_csv" });
    if (a) download(training.info.source, a.text);
  });
  $("t-choose-csv").addEventListener("click", () => $("t-csv-file").click());
  $("t-csv-file").addEventListener("change", () => {
    const f = $("t-csv-file").files[0];
    if (f) readFile(f, useCsv);
    $("t-csv-file").value = "";
  });
  $("train-form").addEventListener("submit", (e) => e.preventDefault());

  // Drag and drop anywhere: a model file opens, a CSV file is trained on.
  let depth = 0;
  document.addEventListener("dragenter", (e) => { e.preventDefault(); ++depth; $("drop").hidden = false; });
  document.addEventListener("dragleave", () => { if (--depth <= 0) { depth = 0; $("drop").hidden = true; } });
  document.addEventListener("dragover", (e) => e.preventDefault());
  document.addEventListener("drop", (e) => {
    e.preventDefault();
    depth = 0;
    $("drop").hidden = true;
    const file = e.dataTransfer.files[0];
    if (file) openFile(file);
  });
  document.addEventListener("keydown", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || $("new-dialog").open) return;
    if (e.key === "1") showTab("network");
    else if (e.key === "2") showTab("steps");
    else if (e.key === "3") showTab("train");
    else if (e.key === " " && tab === "train") { $("t-play").click(); e.preventDefault(); }
  });
}

function start() {
  fillActivations();
  wire();
  new ResizeObserver(([entry]) => {
    const { width, height } = entry.contentRect;
    if (Math.abs(width - areaSize.width) < 1 && Math.abs(height - areaSize.height) < 1) return;
    Object.assign(areaSize, { width, height });
    if (state && tab === "network") renderNetwork();
  }).observe($("network-area"));
  new ResizeObserver(() => {
    if (tab !== "train") return;
    sizePlots();
    drawTraining();
  }).observe($("train-plots"));
  if (typeof createLab !== "function" || typeof WebAssembly !== "object") {
    showError("this browser cannot run WebAssembly, which the lab needs");
    return;
  }
  createLab().then((module) => {
    engine = module;
    $("engine").textContent = "engine: tapegrad in WebAssembly, float64";
    load(call({ op: "example" }));
    select({ what: "W", layer: 1, row: 0, col: 0 });
    document.body.dataset.ready = "true";
  }, (e) => showError("the engine did not start: " + e));
}

start();
