// Opens a `tapegrad train --plot` SVG in headless Chromium at 800x500, checks
// that it reads (both panels, labelled axes with ticks, train and validation
// curves inside their frames, no text overlapping), and saves a screenshot.
// Usage: node training_plot.mjs PLOT.svg SCREENSHOT.png CHROMIUM PROFILE_DIR
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";

const [plotPath, screenshot, executablePath, profile] = process.argv.slice(2);
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
  viewport: { width: 800, height: 500 },
  offline: true,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  await page.goto(pathToFileURL(plotPath).href);
  const svg = await page.$("svg");
  check(svg !== null, "the file shows as an SVG");
  const box = await svg.boundingBox();
  check(box.width === 800 && box.height === 500, `the picture is 800x500, not ${box.width}x${box.height}`);

  const texts = await page.$$eval("text", (ts) => ts.map((t) => {
    const r = t.getBoundingClientRect();
    return { text: t.textContent, x: r.left, y: r.top, right: r.right, bottom: r.bottom, cls: t.getAttribute("class") };
  }));
  const has = (s) => texts.some((t) => t.text === s);
  for (const label of ["loss per epoch", "accuracy per epoch", "accuracy (%)", "train", "validation"])
    check(has(label), `a text reads "${label}"`);
  check(texts.filter((t) => t.text === "epoch").length === 2, "both x axes read \"epoch\"");
  check(texts.some((t) => t.text.endsWith("loss (mean per sample)")), "the loss axis names the loss");
  const ticks = texts.filter((t) => t.cls === "tick");
  check(ticks.length >= 16, `at least 4 ticks per axis (${ticks.length} tick labels)`);
  check(ticks.every((t) => !Number.isNaN(Number(t.text))), "tick labels are numbers");
  // Every text inside the picture, and no two texts overlapping.
  for (const t of texts)
    check(t.x >= 0 && t.y >= 0 && t.right <= 800 && t.bottom <= 500, `"${t.text}" lies inside the picture`);
  for (let i = 0; i < texts.length; ++i)
    for (let j = i + 1; j < texts.length; ++j) {
      const a = texts[i], b = texts[j];
      const overlap = a.x < b.right - 1 && b.x < a.right - 1 && a.y < b.bottom - 1 && b.y < a.bottom - 1;
      check(!overlap, `"${a.text}" and "${b.text}" overlap`);
    }
  // Four curves (loss and accuracy, train and validation), each inside its panel's frame.
  const curves = await page.$$eval("polyline", (ps) => ps.map((p) => {
    const r = p.getBoundingClientRect();
    return { label: p.querySelector("title")?.textContent, points: p.points.numberOfItems,
             x: r.left, y: r.top, right: r.right, bottom: r.bottom };
  }));
  const frames = await page.$$eval("rect.frame", (fs) => fs.map((f) => {
    const r = f.getBoundingClientRect();
    return { x: r.left, y: r.top, right: r.right, bottom: r.bottom };
  }));
  check(frames.length === 2, "two panels");
  check(curves.length === 4, `four curves, not ${curves.length}`);
  check(curves.filter((c) => c.label === "validation").length === 2, "a validation curve in each panel");
  for (const [i, c] of curves.entries()) {
    const f = frames[i < 2 ? 0 : 1];
    check(c.points > 1, `curve ${i} (${c.label}) has points`);
    check(c.x >= f.x - 1 && c.right <= f.right + 1 && c.y >= f.y - 1 && c.bottom <= f.bottom + 1,
          `curve ${i} (${c.label}) stays inside its frame`);
  }
  await page.screenshot({ path: screenshot });
} finally {
  await context.close();
}
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`training plot: ok (${screenshot})`);
