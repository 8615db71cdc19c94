// Steps through a backprop page in headless Chromium by clicking, checks that the
// gradient shown at each step equals the engine's, and saves a screenshot.
// Usage: node step_through.mjs PAGE.html EXPECTED.json SCREENSHOT.png CHROMIUM PROFILE_DIR
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pagePath, expectedPath, screenshot, executablePath, profile] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, "utf8")).steps;
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"],
  viewport: { width: 1366, height: 768 },
  offline: true,
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith("file:") && !r.url().startsWith("data:"))
      failures.push(`network request: ${r.url()}`);
  });
  await page.goto(pathToFileURL(pagePath).href);
  const step = async () => Number(await page.getAttribute("#step-counter", "data-step"));
  check((await step()) === -1, "the page starts before backward");
  check(await page.isVisible("#graph svg"), "the graph is drawn");

  const close = (a, b) => {
    if (!Array.isArray(a) || a.length !== b.length) return false;
    return a.every((row, i) => row.length === b[i].length &&
      row.every((v, j) => Math.abs(v - b[i][j]) <= 1e-12 * Math.max(1, Math.abs(b[i][j]))));
  };
  // The screenshot shows a fan-out's accumulation if there is one, else the first activation's chain rule.
  let shotAt = -1, activationAt = -1;
  for (let i = 0; i < expected.length; ++i) {
    await page.click("#forward");
    check((await step()) === i, `forward click ${i + 1} shows step ${i}`);
    const shown = JSON.parse(await page.getAttribute("#grad-value", "data-values"));
    check(close(shown, expected[i].grad),
          `step ${i} (${expected[i].name}): shown ${JSON.stringify(shown)}, engine ${JSON.stringify(expected[i].grad)}`);
    const text = await page.textContent("#record");
    check(text.startsWith(expected[i].name), `step ${i} names ${expected[i].name}: ${text}`);
    check((await page.$("#graph g.node.active")) !== null, `step ${i} highlights its record`);
    const handClass = await page.getAttribute("#hand-diff", "class");
    const handText = await page.textContent("#hand-diff");
    check(handText === "" || handClass === "ok", `step ${i}: hand derivation agrees (${handText})`);
    const accumulation = await page.$$eval(".contribution", (boxes) =>
      boxes.some((b) => b.textContent.includes("(complete)")));
    if (accumulation && shotAt < 0) shotAt = i;
    const activation = await page.$$eval(".contribution", (boxes) =>
      boxes.some((b) => b.textContent.includes("g'(")));
    if (activation && activationAt < 0) activationAt = i;
  }
  if (shotAt < 0) shotAt = activationAt >= 0 ? activationAt : Math.floor(expected.length / 2);
  await page.click("#forward");
  check((await step()) === expected.length - 1, "forward stops at the last step");
  await page.keyboard.press("ArrowLeft");
  check((await step()) === expected.length - 2, "the left arrow steps back");
  await page.keyboard.press("ArrowRight");
  check((await step()) === expected.length - 1, "the right arrow steps forward");
  await page.click("#back");
  check((await step()) === expected.length - 2, "back steps back");
  await page.click("#reset");
  check((await step()) === -1, "reset returns to before backward");

  await page.click("#play");
  await page.waitForFunction(() => document.getElementById("step-counter").dataset.step === "1",
                             null, { timeout: 10000 });
  await page.click("#play");  // pause
  check((await step()) >= 1, "play advances");

  await page.click("#reset");
  for (let i = 0; i <= shotAt; ++i) await page.keyboard.press("ArrowRight");
  check((await step()) === shotAt, "the arrows reach the screenshot's step");
  await page.screenshot({ path: screenshot });
} finally {
  await context.close();
}
if (failures.length) {
  for (const f of failures) console.error(`FAIL: ${f}`);
  process.exit(1);
}
console.log(`${pagePath}: ${expected.length} steps match the engine`);
