#!/usr/bin/env node
import { runCli } from "./run-cli.js";

runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  onSignal: (signal, handler) => process.on(signal, handler),
  exit: (code) => process.exit(code),
}).catch((error: unknown) => {
  process.stderr.write(`cognito-passcode-local: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
