#!/usr/bin/env node
// Regenerates packages/local/src/cognito-model.gen.ts: the part of AWS's own
// service model for cognito-idp (2016-04-18) that the local stack serves.
//
//   node packages/local/scripts/cognito-model.mjs [--botocore <botocore dir>] [--check]
//
// Sources, newest found wins:
// - botocore's data/cognito-idp/2016-04-18/service-2.json(.gz): shapes,
//   constraints (min, max, pattern, enum, sensitive, required) and each
//   operation's error list. Looked for in every botocore python3 can import
//   and in Debian's python3-botocore (/usr/lib/python3/dist-packages).
// - @aws-sdk/client-cognito-identity-provider's command typings: the
//   `@throws` list of each operation (newer than botocore's at times).
// `--check` exits 1 when the file on disk differs from what would be written.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, "..");
const OUT = join(packageDir, "src", "cognito-model.gen.ts");

/**
 * The operations the local stack answers: the keys of `OPERATIONS` in
 * src/http-server.ts, read from its source so the list is kept in one place
 * (model-conformance.test.ts checks the generated model has exactly these).
 */
const OPERATIONS = (() => {
  const source = readFileSync(join(packageDir, "src", "http-server.ts"), "utf8");
  const table = /\nconst OPERATIONS\b[^\n]*\{\n([\s\S]*?)\n\}\);/.exec(source);
  if (!table)
    throw new Error("src/http-server.ts: no `const OPERATIONS = Object.freeze({ ... });` found");
  return [...table[1].matchAll(/^\s*([A-Za-z]+):/gm)].map((match) => match[1]);
})();

const args = process.argv.slice(2);
const check = args.includes("--check");
const given = args.includes("--botocore") ? args[args.indexOf("--botocore") + 1] : undefined;

function botocoreCandidates() {
  const dirs = new Set(["/usr/lib/python3/dist-packages/botocore"]);
  if (given) return [given];
  try {
    const found = execFileSync(
      "python3",
      ["-c", "import botocore,os;print(os.path.dirname(botocore.__file__))"],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    ).trim();
    if (found) dirs.add(found);
  } catch {
    // No python3 or no botocore on its path: Debian's copy may still be there.
  }
  return [...dirs];
}

function botocoreVersion(dir) {
  const init = readFileSync(join(dir, "__init__.py"), "utf8");
  return /__version__\s*=\s*['"]([^'"]+)['"]/.exec(init)?.[1] ?? "unknown";
}

function compareVersions(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function loadBotocore() {
  const found = [];
  for (const dir of botocoreCandidates()) {
    const base = join(dir, "data", "cognito-idp", "2016-04-18", "service-2.json");
    const path = existsSync(base) ? base : existsSync(`${base}.gz`) ? `${base}.gz` : undefined;
    if (!path) continue;
    const raw = readFileSync(path);
    const text = path.endsWith(".gz") ? gunzipSync(raw).toString("utf8") : raw.toString("utf8");
    found.push({ dir, path, version: botocoreVersion(dir), text });
  }
  if (found.length === 0)
    throw new Error("no botocore with cognito-idp found (pass --botocore <dir>)");
  found.sort((a, b) => compareVersions(b.version, a.version));
  return found[0];
}

function loadSdk() {
  const require = createRequire(join(packageDir, "package.json"));
  const pkgPath = require.resolve("@aws-sdk/client-cognito-identity-provider/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
  const root = dirname(pkgPath);
  const throws = {};
  for (const op of OPERATIONS) {
    const typings = readFileSync(join(root, "dist-types", "commands", `${op}Command.d.ts`), "utf8");
    throws[op] = [...typings.matchAll(/@throws \{@link (\w+)\}/g)]
      .map((m) => m[1])
      .filter((name) => name !== "CognitoIdentityProviderServiceException");
  }
  return { version: pkg.version, throws };
}

const botocore = loadBotocore();
const sdk = loadSdk();
const model = JSON.parse(botocore.text);

const KEEP = ["type", "min", "max", "pattern", "enum", "sensitive"];
const shapes = {};
function collect(name) {
  if (shapes[name]) return;
  const source = model.shapes[name];
  if (!source) throw new Error(`shape ${name} missing from the model`);
  const shape = {};
  for (const key of KEEP) if (source[key] !== undefined) shape[key] = source[key];
  shapes[name] = shape;
  if (source.type === "structure") {
    shape.members = {};
    for (const [member, ref] of Object.entries(source.members ?? {})) {
      shape.members[member] = ref.shape;
      collect(ref.shape);
    }
    if (source.required?.length) shape.required = source.required;
  } else if (source.type === "list") {
    shape.member = source.member.shape;
    collect(source.member.shape);
  } else if (source.type === "map") {
    shape.key = source.key.shape;
    shape.value = source.value.shape;
    collect(source.key.shape);
    collect(source.value.shape);
  }
}

const operations = {};
for (const op of OPERATIONS) {
  const source = model.operations[op];
  if (!source) throw new Error(`operation ${op} missing from botocore ${botocore.version}`);
  collect(source.input.shape);
  if (source.output) collect(source.output.shape);
  const fromModel = (source.errors ?? []).map((e) => e.shape);
  const fromSdk = sdk.throws[op] ?? [];
  operations[op] = {
    input: source.input.shape,
    ...(source.output ? { output: source.output.shape } : {}),
    errors: [...new Set([...fromModel, ...fromSdk])].sort(),
    ...(fromSdk.some((e) => !fromModel.includes(e))
      ? { sdkOnlyErrors: fromSdk.filter((e) => !fromModel.includes(e)).sort() }
      : {}),
  };
}
const sortedShapes = Object.fromEntries(
  Object.entries(shapes).sort(([a], [b]) => a.localeCompare(b)),
);

const source = {
  botocore: {
    version: botocore.version,
    file: "botocore/data/cognito-idp/2016-04-18/service-2.json",
    sha256: createHash("sha256").update(botocore.text).digest("hex"),
  },
  sdk: { package: "@aws-sdk/client-cognito-identity-provider", version: sdk.version },
  apiVersion: model.metadata.apiVersion,
  targetPrefix: model.metadata.targetPrefix,
};

const body = `// GENERATED by packages/local/scripts/cognito-model.mjs: do not edit by hand.
// The part of AWS's cognito-idp service model (${source.apiVersion}) the local stack serves:
// shapes and constraints from botocore ${botocore.version} (service-2.json, sha256
// ${source.botocore.sha256.slice(0, 16)}...), error lists from botocore plus the \`@throws\` lists of
// @aws-sdk/client-cognito-identity-provider ${sdk.version}.

/** One shape of the service model: a string, number, list, map or structure, with its constraints. */
export interface ModelShape {
  type: "string" | "integer" | "long" | "boolean" | "timestamp" | "blob" | "list" | "map" | "structure";
  min?: number;
  max?: number;
  pattern?: string;
  enum?: readonly string[];
  sensitive?: boolean;
  /** structure: member name -> shape name. */
  members?: Readonly<Record<string, string>>;
  required?: readonly string[];
  /** list: the element shape. */
  member?: string;
  /** map: key and value shapes. */
  key?: string;
  value?: string;
}

/** One operation: its input and output shapes and every error the models list for it. */
export interface ModelOperation {
  input: string;
  output?: string;
  /** botocore's error list and the SDK's \`@throws\` list, merged. */
  errors: readonly string[];
  /** Errors only the (newer) SDK lists. */
  sdkOnlyErrors?: readonly string[];
}

/** The recorded model: where it came from, the operations and the shapes they reach. */
export interface CognitoModel {
  source: {
    botocore: { version: string; file: string; sha256: string };
    sdk: { package: string; version: string };
    apiVersion: string;
    targetPrefix: string;
  };
  operations: Readonly<Record<string, ModelOperation>>;
  shapes: Readonly<Record<string, ModelShape>>;
}

/** AWS's cognito-idp model, limited to the operations the local stack serves. */
export const COGNITO_MODEL: CognitoModel = ${JSON.stringify(
  { source, operations, shapes: sortedShapes },
  null,
  2,
)};
`;

if (check) {
  const current = existsSync(OUT) ? readFileSync(OUT, "utf8") : "";
  if (current !== body) {
    console.error(`${OUT} is out of date: run node packages/local/scripts/cognito-model.mjs`);
    process.exit(1);
  }
  console.log("cognito-model.gen.ts is up to date");
} else {
  writeFileSync(OUT, body);
  console.log(
    `wrote ${OUT}: ${OPERATIONS.length} operations, ${Object.keys(shapes).length} shapes (botocore ${botocore.version}, SDK ${sdk.version})`,
  );
}
