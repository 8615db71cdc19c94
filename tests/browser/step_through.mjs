// Steps through the backprop pages in headless Chromium and checks what a learner sees:
// text at least 11 px at 1280x720, the forward pass before the backward pass, each value
// and gradient shown only from its step on, the engine's gradient at each backward step,
// the hand derivation agreeing, the current record on screen after each step and zoom,
// the slider, jump, End, play speed, and a ~2,600-step page answering quickly.
// Saves screenshots at 1280x720 and 1920x1080.
// Usage: node step_through.mjs PAGE_DIR SCREENSHOT_DIR CHROMIUM
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, shots, executablePath] = process.argv.slice(2);
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

const context = await chromium.launchPersistentContext(join(dir, "profile"), {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
  viewport: { width: 1280, height: 720 },
  offline: true,
});
const page = context.pages()[0] ?? (await context.newPage());
page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
page.on("request", (r) => {
  if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) failures.push(`network request: ${r.url()}`);
});

const step = async () => Number(await page.getAttribute("#step-counter", "data-step"));
// Waits for the page's next frame, where a step is drawn.
const settle = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const close = (a, b) => Array.isArray(a) && a.length === b.length && a.every((row, i) =>
  row.length === b[i].length && row.every((v, j) => Math.abs(v - b[i][j]) <= 1e-12 * Math.max(1, Math.abs(b[i][j]))));

// The smallest text on screen in px: HTML text by its computed size, SVG text
// by its size times the drawing's scale.
const smallestText = () => page.evaluate(() => {
  let least = Infinity, where = "";
  const visible = (e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden";
  for (const e of document.querySelectorAll("body *")) {
    if (e.closest("svg") || !visible(e)) continue;
    if (![...e.childNodes].some((c) => c.nodeType === 3 && c.textContent.trim())) continue;
    const px = parseFloat(getComputedStyle(e).fontSize);
    if (px < least) { least = px; where = e.tagName + "#" + e.id + "." + e.className; }
  }
  const svg = document.querySelector("#graph svg");
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  for (const t of svg.querySelectorAll("text")) {
    if (!t.textContent.trim()) continue;
    const px = parseFloat(getComputedStyle(t).fontSize) * scale;
    if (px < least) { least = px; where = "svg text " + t.textContent; }
  }
  return { least, where };
});

// Whether the current record's box lies inside the graph's visible area.
const currentOnScreen = () => page.evaluate(() => {
  const g = document.querySelector("#graph g.node.active");
  if (!g) return false;
  const b = g.getBoundingClientRect(), v = document.getElementById("graph").getBoundingClientRect();
  const fits = b.width <= v.width && b.height <= v.height;
  return fits ? b.left >= v.left - 1 && b.right <= v.right + 1 && b.top >= v.top - 1 && b.bottom <= v.bottom + 1
              : b.left < v.right && b.right > v.left && b.top < v.bottom && b.bottom > v.top;
});

// Ids of the boxes whose value and whose gradient a learner can see.
const shownIds = () => page.evaluate(() => {
  const out = { value: [], grad: [] };
  const visible = (g, selector) =>
    [...g.querySelectorAll(selector)].some((t) => t.textContent.trim() && getComputedStyle(t).visibility === "visible");
  for (const g of document.querySelectorAll("#graph g.node")) {
    if (visible(g, "text.value")) out.value.push(Number(g.dataset.id));
    if (visible(g, "text.grad")) out.grad.push(Number(g.dataset.id));
  }
  return out;
});
const sameSet = (a, b) => a.length === b.length && [...a].sort((x, y) => x - y).every((v, i) => v === [...b].sort((x, y) => x - y)[i]);

const data = (id) => page.evaluate((i) => JSON.parse(document.getElementById(i).textContent), id);

async function open(name) {
  await page.goto(pathToFileURL(join(dir, name + ".html")).href);
  await settle();
}

// Clicks through every step of a page and checks each one.
async function stepThrough(name) {
  const expected = JSON.parse(readFileSync(join(dir, name + ".expected.json"), "utf8")).steps;
  await page.setViewportSize({ width: 1280, height: 720 });
  await open(name);
  const forward = (await data("forward-data")).steps;
  const backward = (await data("steps-data")).steps;
  const graph = await data("graph-data");
  const leaves = graph.nodes.filter((n) => n.op === "leaf").map((n) => n.id);
  check(backward.length === expected.length, `${name}: ${backward.length} backward steps, engine ${expected.length}`);
  check((await step()) === -1, `${name}: the page starts before the forward pass`);
  let text = await smallestText();
  check(text.least >= 11, `${name}: text ${text.least} px at 1280x720 (${text.where})`);
  check(sameSet((await shownIds()).value, leaves), `${name}: at the start only the leaves show values`);

  for (let i = 0; i < forward.length; ++i) {
    await page.click("#forward");
    await settle();
    check((await step()) === i, `${name}: forward click ${i + 1} shows step ${i}`);
    check((await page.getAttribute("#step-counter", "data-phase")) === "forward", `${name}: step ${i} is forward`);
    const shown = await shownIds();
    check(sameSet(shown.value, leaves.concat(forward.slice(0, i + 1).map((s) => s.id))),
          `${name}: forward step ${i}: exactly the values computed so far are shown`);
    check(shown.grad.length === 0, `${name}: forward step ${i}: a gradient is shown before the backward pass`);
    const names = await page.textContent("#equation-names");
    const numbers = await page.textContent("#equation-numbers");
    check(names.startsWith(forward[i].name + " = "), `${name}: forward step ${i} equation: ${names}`);
    check(/\d/.test(numbers) && numbers.includes(" = "), `${name}: forward step ${i} numbers: ${numbers}`);
    check(await currentOnScreen(), `${name}: forward step ${i}: the current record is off screen`);
  }
  let accumulation = -1, affine = -1;
  for (let j = 0; j < backward.length; ++j) {
    await page.click("#forward");
    await settle();
    const i = forward.length + j;
    check((await step()) === i, `${name}: backward click ${j + 1} shows step ${i}`);
    const grad = JSON.parse(await page.getAttribute("#grad-value", "data-values"));
    check(close(grad, expected[j].grad),
          `${name}: backward step ${j} (${expected[j].name}): shown ${JSON.stringify(grad)}, engine ${JSON.stringify(expected[j].grad)}`);
    const record = await page.textContent("#record");
    check(record.startsWith(expected[j].name), `${name}: backward step ${j} names ${expected[j].name}: ${record}`);
    const shown = await shownIds();
    check(sameSet(shown.grad, backward.slice(0, j + 1).map((s) => s.id)),
          `${name}: backward step ${j}: gradients shown are not exactly those of steps 0..${j}`);
    const rows = await page.$$eval("#hand .hand-row", (rs) => rs.map((r) => r.className));
    check(rows.every((c) => !c.includes("bad")), `${name}: backward step ${j}: the hand derivation differs`);
    check(await currentOnScreen(), `${name}: backward step ${j}: the current record is off screen`);
    const complete = await page.$$eval(".contribution", (bs) => bs.some((b) => b.textContent.includes("(complete)")));
    if (complete && accumulation < 0) accumulation = i;
    if (backward[j].op === "affine" && affine < 0 && j > 2) affine = i;
  }
  text = await smallestText();
  check(text.least >= 11, `${name}: text ${text.least} px at the last step (${text.where})`);

  // Zoom keeps the current record on screen, both ways.
  await page.click("#zoom");
  await settle();
  check(await currentOnScreen(), `${name}: after fitting the graph the current record is off screen`);
  await page.click("#zoom");
  await settle();
  check(await currentOnScreen(), `${name}: after zooming back the current record is off screen`);

  // Slider, jump, End, Home, arrows.
  const total = forward.length + backward.length;
  const mid = Math.floor(total / 2);
  await page.$eval("#slider", (s, v) => { s.value = String(v); s.dispatchEvent(new Event("input")); }, mid);
  await settle();
  check((await step()) === mid, `${name}: the slider goes to step ${mid}`);
  check(await currentOnScreen(), `${name}: after the slider the current record is off screen`);
  await page.fill("#jump", String(forward.length + 1));
  await page.press("#jump", "Enter");
  await settle();
  check((await step()) === forward.length, `${name}: jump to step ${forward.length + 1} shows the first backward step`);
  await page.click("#end");
  await settle();
  check((await step()) === total - 1, `${name}: End goes to the last step`);
  await page.keyboard.press("ArrowLeft");
  await settle();
  check((await step()) === total - 2, `${name}: the left arrow steps back`);
  await page.keyboard.press("Home");
  await settle();
  check((await step()) === -1, `${name}: Home returns to the start`);

  // Play slowly (2 s a step: no step within 1 s), then at the fastest speed, then pause.
  await page.selectOption("#speed", "2000");
  await page.click("#play");
  await page.waitForTimeout(1000);
  check((await step()) === -1, `${name}: at 2 s a step, play moved within 1 s`);
  await page.click("#play");
  await page.selectOption("#speed", "16");
  await page.click("#play");
  await page.waitForFunction(() => Number(document.getElementById("step-counter").dataset.step) >= 5,
                             null, { timeout: 10000 });
  await page.click("#play");
  check((await step()) >= 5, `${name}: play advances`);
  // The derivation's fan-out: the step where the second flow into a_1^[1] arrives.
  const fanIn = backward.findIndex((s) => s.contributions.some((c) => c.name === "a_1^[1]" && c.of > 1 && c.index === c.of));
  if (fanIn >= 0) accumulation = forward.length + fanIn;
  return { accumulation, affine, forward: forward.length };
}

async function screenshot(name, at, file) {
  for (const [width, height, suffix] of [[1280, 720, ""], [1920, 1080, "_1920x1080"]]) {
    await page.setViewportSize({ width, height });
    await open(name);
    await page.fill("#jump", String(at + 1));
    await page.press("#jump", "Enter");
    await settle();
    check((await step()) === at, `${name}: jump to the screenshot's step`);
    check(await currentOnScreen(), `${name}: the screenshot's record is off screen at ${width}x${height}`);
    await page.screenshot({ path: join(shots, file + suffix + ".png") });
  }
}

// A long page answers within a bound a learner would notice (generous: CI runs sanitizers).
async function responsive(name) {
  await page.setViewportSize({ width: 1280, height: 720 });
  let t = Date.now();
  await open(name);
  const load = Date.now() - t;
  check(load < 15000, `${name}: loads in ${load} ms`);
  const forward = (await data("forward-data")).steps;
  const backward = (await data("steps-data")).steps;
  const total = forward.length + backward.length;
  check(total >= 1500, `${name}: ${total} steps, want a long page`);
  const timed = async (what, action, want) => {
    const start = Date.now();
    await action();
    await page.waitForFunction((w) => Number(document.getElementById("step-counter").dataset.step) === w, want,
                               { timeout: 10000 });
    const ms = Date.now() - start;
    check(ms < 1500, `${name}: ${what} took ${ms} ms`);
    return ms;
  };
  const times = [];
  times.push(await timed("End", () => page.click("#end"), total - 1));
  for (const k of [0, 0.25, 0.5, 0.75, 0.99].map((f) => Math.floor(f * (total - 1)))) {
    times.push(await timed(`slider to ${k}`,
      () => page.$eval("#slider", (s, v) => { s.value = String(v); s.dispatchEvent(new Event("input")); }, k), k));
    check(await currentOnScreen(), `${name}: after the slider to ${k} the current record is off screen`);
  }
  times.push(await timed("a forward click", () => page.click("#forward"), Math.floor(0.99 * (total - 1)) + 1));
  // No gradient before its step, at a step in the middle of the backward pass.
  const j = Math.floor(backward.length / 2);
  await page.fill("#jump", String(forward.length + j + 1));
  await page.press("#jump", "Enter");
  await settle();
  check(sameSet((await shownIds()).grad, backward.slice(0, j + 1).map((s) => s.id)),
        `${name}: backward step ${j}: gradients shown are not exactly those of steps 0..${j}`);
  const text = await smallestText();
  check(text.least >= 11, `${name}: text ${text.least} px (${text.where})`);
  console.log(`${name}: ${total} steps, load ${load} ms, slowest step ${Math.max(...times)} ms`);
}

try {
  const tensor = await stepThrough("example_tensor");
  const scalar = await stepThrough("example_scalar");
  await responsive("large_scalar");
  await screenshot("example_tensor", tensor.affine >= 0 ? tensor.affine : tensor.forward, "backprop_tensor");
  await screenshot("example_scalar", scalar.accumulation >= 0 ? scalar.accumulation : scalar.forward, "backprop_scalar");
} finally {
  await context.close();
}
if (failures.length) {
  for (const f of failures.slice(0, 30)) console.error(`FAIL: ${f}`);
  console.error(`${failures.length} failures`);
  process.exit(1);
}
console.log("step-through pages: every step checked");
