#!/usr/bin/env node
// The package's bin. It is committed (not built) so that `pnpm install` in a fresh
// clone can link it before packages/local/dist exists; it only runs the built CLI.
import "../dist/cli.js";
