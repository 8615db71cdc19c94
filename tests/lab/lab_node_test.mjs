// The lab's engine (WebAssembly, under node) against the tapegrad command line, on the same inputs:
// every gradient of every test model and of edited models to 1e-12 relative, the same one-line
// errors for bad model files and bad CSVs, model files read both ways, the loss curves of
// `tapegrad train` within 1e-6 relative over 20 epochs, and an XOR run to a loss under 0.05.
// Also times the page's per-edit work on the 4-3-2-1 example.
// Usage: node lab_node_test.mjs LAB_JS TAPEGRAD_EXE SOURCE_ROOT OUT_DIR
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [labJs, tapegrad, root, out] = process.argv.slice(2);
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };

const createLab = createRequire(import.meta.url)(labJs);
const lab = await createLab();
// As the page calls it (lab/page/app.js, engineText): the request in the heap, not on the stack.
const call = (request) => {
  const text = JSON.stringify(request);
  const size = lab.lengthBytesUTF8(text) + 1;
  const at = lab._malloc(size);
  try {
    lab.stringToUTF8(text, at, size);
    return JSON.parse(lab.UTF8ToString(lab._lab_call(at)));
  } finally {
    lab._free(at);
  }
};
const cli = (...args) => {
  const r = spawnSync(tapegrad, args, { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

// u and v agree to `tol` relative: |u - v| <= tol max(|u|, |v|).
const close = (u, v, tol) => u === v || Math.abs(u - v) <= tol * Math.max(Math.abs(u), Math.abs(v));
let worst = 0;
function compareGrads(lab, cliText, what) {
  const a = JSON.parse(lab), b = JSON.parse(cliText);
  const pairs = [[a.loss, b.loss, "loss"]];
  b.grads.forEach((g, k) => {
    g.W.forEach((row, i) => row.forEach((v, j) => pairs.push([a.grads[k].W[i][j], v, `W^[${k + 1}](${i},${j})`])));
    g.b.forEach((v, j) => pairs.push([a.grads[k].b[j], v, `b^[${k + 1}](${j})`]));
  });
  for (const [u, v, name] of pairs) {
    if (u !== v) worst = Math.max(worst, Math.abs(u - v) / Math.max(Math.abs(u), Math.abs(v)));
    check(close(u, v, 1e-12), `${what}: ${name} is ${u} in the lab, ${v} from tapegrad grad`);
  }
}

// 1. Every test model and the 4-3-2-1 example's file: the lab's gradients are tapegrad grad's.
const models = join(root, "tests/models");
const files = readdirSync(models).filter((f) => f.endsWith(".json")).map((f) => join(models, f));
files.push(join(root, "data/example_4321.json"));
for (const path of files) {
  const file = path.split("/").pop();
  const state = call({ op: "open", text: readFileSync(path, "utf8"), name: file });
  check(!state.error, `${file} opens in the lab: ${state.error}`);
  if (state.error) continue;
  const mine = call({ op: "grad" }).text;
  const theirs = cli("grad", path);
  check(theirs.code === 0, `tapegrad grad ${file}: ${theirs.err}`);
  compareGrads(mine, theirs.out, file);

  // Edited: a weight, a bias and an input moved, saved by the lab, read by tapegrad.
  const L = state.sizes.length - 1;
  for (const [element, value] of [[{ what: "W", layer: 1, row: 0, col: 0 }, 0.731],
                                  [{ what: "b", layer: L, row: 0, col: 0 }, -0.25],
                                  [{ what: "x", layer: 0, row: 0, col: 1 % state.sizes[0] }, 1.5]]) {
    const edited = call({ op: "set", element, value });
    check(!edited.error, `${file}: setting ${element.what}: ${edited.error}`);
  }
  const saved = join(out, "edited_" + file);
  writeFileSync(saved, call({ op: "save" }).text);
  const after = cli("grad", saved);
  check(after.code === 0, `tapegrad grad reads the lab's ${saved}: ${after.err}`);
  if (after.code === 0) compareGrads(call({ op: "grad" }).text, after.out, "edited " + file);
  // And the lab reads what it wrote back to the same numbers.
  const before = call({ op: "state" });
  const reopened = call({ op: "open", text: readFileSync(saved, "utf8"), name: "edited_" + file });
  check(!reopened.error && reopened.L === before.L &&
        JSON.stringify(reopened.layers) === JSON.stringify(before.layers), `${file}: the lab reads its own file back`);

  // Every explanation's terms add up to the gradient the lab shows.
  const st = call({ op: "state" });
  const explain = (element, value) => {
    const x = call({ op: "explain", element });
    check(!x.error, `${file}: explain ${JSON.stringify(element)}: ${x.error}`);
    if (x.error || x.value === null) return;
    check(close(x.value, value, 1e-15) || Math.abs(x.value - value) < 1e-300, `${file}: explain ${element.what} shows the tape's gradient`);
    const scale = Math.max(1e-300, ...x.terms.map((t) => Math.abs(t.value)));
    check(Math.abs(x.sum - x.value) <= 1e-12 * scale + 1e-300,
          `${file}: the terms of g(${element.what}${element.layer}) add up to ${x.sum}, not ${x.value}`);
    check(x.hand === null || Math.abs(x.hand - x.value) <= 1e-12 * Math.max(1, Math.abs(x.value)),
          `${file}: the hand derivation agrees on ${element.what}${element.layer}`);
  };
  for (let k = 1; k <= L; ++k) {
    explain({ what: "W", layer: k, row: 0, col: 0 }, st.layers[k].gW[0][0]);
    explain({ what: "b", layer: k, row: 0, col: 0 }, st.layers[k].gb[0][0]);
    explain({ what: "z", layer: k, row: 0, col: 0 }, st.layers[k].gz[0][0]);
    if (st.layers[k].ga) explain({ what: "a", layer: k, row: 0, col: 0 }, st.layers[k].ga[0][0]);
  }
  const check3 = call({ op: "check" });
  check(check3.passed, `${file}: the three-way check passes in the lab`);
}
check(worst <= 1e-12, `largest relative difference to tapegrad grad: ${worst}`);

// 2. A model tapegrad writes opens in the lab; bad model files give tapegrad's message.
const bad = {
  "truncated.json": '{"layers": [',
  "no_layers.json": '{"version": 1, "layers": []}',
  "ragged.json": '{"layers": [{"activation": "sigmoid", "W": [[1, 2], [3]], "b": [0, 0]}]}',
  "bad_activation.json": '{"layers": [{"activation": "sigmoidal", "W": [[1]], "b": [0]}]}',
  "not_json.json": "W = [1, 2]",
  "nan.json": '{"layers": [{"activation": "sigmoid", "W": [[NaN]], "b": [0]}]}',
};
for (const [name, text] of Object.entries(bad)) {
  const path = join(out, name);
  writeFileSync(path, text);
  const theirs = cli("grad", path);
  const mine = call({ op: "open", text, name: path });
  check(mine.error !== undefined, `${name}: the lab refuses it`);
  check(theirs.code === 2 && theirs.err === `error: ${mine.error}\n`,
        `${name}: the lab says "${mine.error}", tapegrad says "${theirs.err.trim()}"`);
}

// 3. Bad CSVs: the lab's message is tapegrad train's.
const badCsv = {
  "letters.csv": "a,b,label\n1,2,0\n3,x,1\n",
  "short_row.csv": "1,2,0\n3,1\n",
  "label_range.csv": "1,2,0\n3,4,2.5\n5,6,1\n",
  "empty.csv": "",
  "one_column.csv": "1\n2\n",
  "empty_field.csv": "1,,0\n",
};
for (const [name, text] of Object.entries(badCsv)) {
  const path = join(out, name);
  writeFileSync(path, text);
  const theirs = cli("train", path, "--layers", "2,4,1", "--epochs", "1");
  const mine = call({ op: "train_setup", csv: text, name: path, layers: "2,4,1", epochs: 1 });
  check(mine.error !== undefined, `${name}: the lab refuses it`);
  check(theirs.code === 2 && theirs.err === `error: ${mine.error}\n`,
        `${name}: the lab says "${mine.error}", tapegrad train says "${theirs.err.trim()}"`);
}

// Seeds the page cannot hold exactly are refused, not wrapped or rounded.
for (const [request, want] of [
  [{ op: "train_setup", set: "xor", layers: "2,4,1", seed: -5 }, "train: --seed is -5; expected a whole number from 0 to 9007199254740991"],
  [{ op: "train_setup", set: "xor", layers: "2,4,1", seed: 1e30 }, "train: --seed is 1e+30; expected a whole number from 0 to 9007199254740991"],
  [{ op: "train_setup", set: "xor", layers: "2,4,1", data_seed: 0.5 }, "data set: data seed is 0.5; expected a whole number from 0 to 9007199254740991"],
  [{ op: "build", sizes: [2, 1], seed: 2 ** 53 }, "new network: seed is 9007199254740992; expected a whole number from 0 to 9007199254740991"],
]) {
  const answer = call(request);
  check(answer.error === want, `${JSON.stringify(request)}: "${answer.error}", expected "${want}"`);
}
check(!call({ op: "build", sizes: [2, 1], seed: 2 ** 53 - 1 }).error, "the largest seed the page holds builds a network");

// 4. The same seed, data and options: the same loss curve as tapegrad train, and the
// model the lab saves predicts as tapegrad's.
function sameCurve(name, csvText, options, args) {
  const path = join(out, name);
  writeFileSync(path, csvText);
  const setup = call(Object.assign({ op: "train_setup", csv: csvText, name: path }, options));
  check(!setup.error, `${name}: the lab sets up the run: ${setup.error}`);
  if (setup.error) return;
  const run = call({ op: "train_run", epochs: options.epochs });
  const history = join(out, name + ".history.csv");
  const theirs = cli("train", path, "--history", history, ...args);
  check(theirs.code === 0, `tapegrad train ${name}: ${theirs.err}`);
  if (theirs.code !== 0) return;
  const rows = readFileSync(history, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
  check(rows.length === run.history.length, `${name}: ${run.history.length} epochs in the lab, ${rows.length} from tapegrad`);
  let gap = 0;
  rows.forEach((r, e) => {
    const mine = run.history[e];
    if (!mine) return;
    for (const [field, column] of [["train_loss", 1], ["val_loss", 2], ["train_accuracy", 3], ["val_accuracy", 4]]) {
      if (r[column] === "") { check(mine[field] === null, `${name}: no ${field} at epoch ${e + 1}`); continue; }
      const u = mine[field], v = Number(r[column]);
      gap = Math.max(gap, Math.abs(u - v) / Math.max(Math.abs(u), Math.abs(v), 1e-300));
      check(close(u, v, 1e-6), `${name} epoch ${e + 1}: ${field} ${u} in the lab, ${v} from tapegrad train`);
    }
  });
  // The test accuracy tapegrad train prints at the end.
  const printed = theirs.out.match(/test\s+accuracy ([0-9.]+)%/);
  if (printed) check(Math.abs(100 * run.test_accuracy - Number(printed[1])) < 0.006,
                     `${name}: test accuracy ${100 * run.test_accuracy}% in the lab, ${printed[1]}% from tapegrad train`);
  console.log(`${name}: ${rows.length} epochs, largest relative difference to tapegrad train ${gap.toExponential(2)}`);
  return run;
}
const xorCsv = call({ op: "train_setup", set: "xor", points: 200, noise: 0.05, data_seed: 3, layers: "2,8,8,1" }) && call({ op: "train_csv" }).text;
sameCurve("xor.csv", xorCsv, { layers: "2,8,8,1", epochs: 20, seed: 7 },
          ["--layers", "2,8,8,1", "--epochs", "20", "--seed", "7"]);
const moonsCsv = call({ op: "train_setup", set: "moons", points: 120, noise: 0.1, data_seed: 5, layers: "2,6,1" }) && call({ op: "train_csv" }).text;
sameCurve("moons.csv", moonsCsv, { layers: "2,6,1", epochs: 20, seed: 3, optimizer: "momentum", batch: 16, activation: "relu" },
          ["--layers", "2,6,1", "--epochs", "20", "--seed", "3", "--optimizer", "momentum", "--batch", "16", "--activation", "relu"]);
// Early stopping on both sides: the same epoch ends the run.
{
  const run = sameCurve("moons_patience.csv", moonsCsv, { layers: "2,6,1", epochs: 60, seed: 3, lr: 0.3, optimizer: "sgd", patience: 2 },
                        ["--layers", "2,6,1", "--epochs", "60", "--seed", "3", "--lr", "0.3", "--optimizer", "sgd", "--patience", "2"]);
  check(run && run.stopped_early && run.history.length < 60, `patience 2 stops the run early (${run && run.history.length} epochs)`);
}
sameCurve("breast_cancer.csv", readFileSync(join(root, "data/breast_cancer.csv"), "utf8"),
          { layers: "30,16,1", epochs: 20, seed: 42, lr: 0.003 },
          ["--layers", "30,16,1", "--epochs", "20", "--lr", "0.003"]);
// The model the lab saves after training takes raw features, as tapegrad train --save's does:
// tapegrad predict reads it and finds the accuracy the lab's run ended with on the test rows.
{
  const saved = join(out, "lab_trained.json");
  writeFileSync(saved, call({ op: "train_save" }).text);
  const predicted = cli("predict", saved, "--data", join(out, "breast_cancer.csv"));
  check(predicted.code === 0, `tapegrad predict reads the lab's trained model: ${predicted.err}`);
  const theirs = join(out, "cli_trained.json");
  const trained = cli("train", join(out, "breast_cancer.csv"), "--layers", "30,16,1", "--epochs", "20", "--lr", "0.003", "--save", theirs);
  check(trained.code === 0, "tapegrad train --save: " + trained.err);
  const opened = call({ op: "open", text: readFileSync(theirs, "utf8"), name: "cli_trained.json" });
  check(!opened.error, `the lab opens a model tapegrad train saved: ${opened.error}`);
  check(opened.error || opened.notes.length === 1, "the lab says it made up a sample for a model without data");
  const ours = JSON.parse(readFileSync(saved, "utf8")).layers, cliLayers = JSON.parse(readFileSync(theirs, "utf8")).layers;
  let gap = 0;
  ours.forEach((l, k) => l.W.forEach((row, i) => row.forEach((v, j) => { gap = Math.max(gap, Math.abs(v - cliLayers[k].W[i][j])); })));
  check(gap < 1e-9, `the lab's trained weights are tapegrad train's (largest gap ${gap})`);
}
sameCurve("digits.csv", readFileSync(join(root, "data/digits.csv"), "utf8"),
          { layers: "64,32,10", epochs: 20, seed: 1, optimizer: "sgd", batch: 64 },
          ["--layers", "64,32,10", "--epochs", "20", "--seed", "1", "--optimizer", "sgd", "--batch", "64"]);


// A CSV of 12 MB (larger than the module's 5 MB stack, four times over): read, split and
// stepped as tapegrad train reads it.
{
  let g = 12345;
  const next = () => ((g = (g * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const lines = [];
  for (let i = 0; i < 150000; ++i) {
    const v = Array.from({ length: 10 }, next);
    lines.push(v.map((x) => x.toFixed(4)).join(",") + "," + (v.reduce((a, b) => a + b) > 0 ? 1 : 0));
  }
  const text = lines.join("\n") + "\n";
  const path = join(out, "large.csv");
  writeFileSync(path, text);
  const setup = call({ op: "train_setup", csv: text, name: path, layers: "10,4,1", epochs: 1, batch: 256 });
  check(!setup.error && setup.rows === 150000, `a ${(text.length / 1e6).toFixed(0)} MB CSV is read: ${setup.error ?? setup.rows + " rows"}`);
  if (!setup.error) {
    const stepped = call({ op: "train_run", steps: 3 });
    check(!stepped.error && stepped.steps === 3, `and stepped a mini-batch at a time: ${stepped.error ?? stepped.steps}`);
  }
}

// 5. XOR trains to a loss under 0.05 with the page's defaults (200 points without noise, 2-8-8-1 tanh, adam).
{
  const setup = call({ op: "train_setup", set: "xor", points: 200, noise: 0, data_seed: 1, layers: "2,8,8,1", epochs: 200 });
  check(!setup.error, `xor setup: ${setup.error}`);
  const run = call({ op: "train_run", epochs: 200 });
  const last = run.history[run.history.length - 1];
  check(last.train_loss < 0.05, `XOR trains to a loss under 0.05 (${last.train_loss})`);
  // Rewind replays the same run, bit for bit.
  call({ op: "train_rewind" });
  const again = call({ op: "train_run", epochs: 200 });
  check(again.history[199].train_loss === last.train_loss, "a rewound run replays the same losses");
}

// 6. The per-edit work of the page on the 4-3-2-1 example: set, state, explain and check.
{
  call({ op: "example" });
  const times = [];
  for (let k = 0; k < 50; ++k) {
    const t0 = performance.now();
    call({ op: "set", element: { what: "W", layer: 2, row: 1, col: 0 }, value: 0.5 + k / 100 });
    call({ op: "explain", element: { what: "a", layer: 1, row: 0, col: 1 } });
    call({ op: "check" });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  console.log(`4-3-2-1 edit: the engine's work per edit ${times[25].toFixed(2)} ms (median of 50)`);
  check(times[25] < 50, `an edit's engine work takes ${times[25]} ms`);
}

console.log(`gradients: largest relative difference to tapegrad grad ${worst.toExponential(2)}`);
if (failures.length) {
  console.log(failures.length + " failures:\n" + failures.join("\n"));
  process.exit(1);
}
console.log("all lab checks passed");
