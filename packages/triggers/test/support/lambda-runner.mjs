// Loads a Lambda bundle the way the Node.js runtime does, in a fresh process
// with only the environment it was given, then runs one invocation per line
// of stdin ({ "name": "<export>", "event": {...} }). Each outcome goes to
// stdout as a line starting with "@@result "; the bundle's own logs stay as
// they are (console.log on stdout, console.warn/error on stderr).
import { createInterface } from "node:readline";

const [bundle] = process.argv.slice(2);
const write = (value) => process.stdout.write(`@@result ${JSON.stringify(value)}\n`);
const failure = (e) => ({ name: e?.name, code: e?.code, message: String(e?.message ?? e) });

let mod;
try {
  mod = await import(bundle);
  write({ init: "ok", exports: Object.keys(mod).sort() });
} catch (error) {
  write({ init: "failed", error: failure(error) });
}
for await (const line of createInterface({ input: process.stdin })) {
  const { name, event } = JSON.parse(line);
  try {
    write({ ok: await mod[name](event, {}) });
  } catch (error) {
    write({ error: failure(error) });
  }
}
