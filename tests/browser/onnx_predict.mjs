// Runs an ONNX model in onnxruntime-node (CPU) on the rows of a CSV file and
// prints every output as JSON: {"logits": [[...], ...], "classes": [...], ...}.
// Usage: node onnx_predict.mjs MODEL.onnx DATA.csv (numbers only, no header;
// a label column is dropped when the model takes one column fewer).
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [model, csv] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
const inputs = session.inputMetadata?.[0]?.shape?.[1];
let rows = readFileSync(csv, 'utf8').trim().split('\n').map((line) => line.split(',').map(Number));
const columns = typeof inputs === 'number' ? inputs : rows[0].length;
rows = rows.map((row) => row.slice(0, columns));
const x = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, columns]);
const results = await session.run({ x });
const out = {};
for (const name of session.outputNames) {
  const t = results[name];
  const values = Array.from(t.data, Number);
  out[name] = t.dims.length === 1 ? values
    : rows.map((_, i) => values.slice(i * t.dims[1], (i + 1) * t.dims[1]));
}
process.stdout.write(JSON.stringify(out) + '\n');
