// `pnpm run docs`: builds the docs site into docs/dist.
//   1. renders the sign-in sequence diagram from docs/diagrams/sign-in.json to SVG;
//   2. runs TypeDoc (API reference of every published package, from source,
//      plus the guides as project documents) with warnings as errors;
//   3. checks that every relative link and anchor in the generated HTML resolves.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { renderSequence } from "./docs-diagram.mjs";

const root = new URL("..", import.meta.url).pathname;
const docs = join(root, "docs");
const out = join(docs, "dist");
const started = Date.now();

mkdirSync(join(docs, "guides", "media"), { recursive: true });
const diagram = join(docs, "guides", "media", "sign-in-sequence.svg");
writeFileSync(
  diagram,
  renderSequence(JSON.parse(readFileSync(join(docs, "diagrams", "sign-in.json"), "utf8"))),
);
console.log(`diagram   ${relative(root, diagram)}`);

try {
  execFileSync(join(docs, "node_modules", ".bin", "typedoc"), ["--options", "typedoc.json"], {
    cwd: docs,
    stdio: "inherit",
  });
} catch {
  console.error("typedoc failed (warnings count as errors)");
  process.exit(1);
}

// Link check: TypeDoc validates links in comments and documents; this also
// catches broken relative hrefs and #anchors in the rendered pages.
const pages = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".html")) pages.push(path);
  }
};
walk(out);
const ids = new Map();
const idsOf = (page) => {
  if (!ids.has(page)) {
    const html = readFileSync(page, "utf8");
    ids.set(page, new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
  }
  return ids.get(page);
};
const broken = [];
for (const page of pages) {
  const html = readFileSync(page, "utf8");
  for (const [, href] of html.matchAll(/\s(?:href|src)="([^"]+)"/g)) {
    if (/^(?:[a-z][a-z0-9+.-]*:|\/\/)/i.test(href)) continue; // external: not checked offline
    const [path, anchor] = href.split("#");
    const target = path ? resolve(dirname(page), decodeURIComponent(path)) : page;
    if (!existsSync(target)) {
      broken.push(`${relative(out, page)}: ${href} (no such file)`);
    } else if (
      anchor &&
      target.endsWith(".html") &&
      !idsOf(target).has(decodeURIComponent(anchor))
    ) {
      broken.push(`${relative(out, page)}: ${href} (no such anchor)`);
    }
  }
}
if (broken.length > 0) {
  console.error(`${broken.length} broken link(s):\n${broken.slice(0, 50).join("\n")}`);
  process.exit(1);
}
console.log(
  `docs built: ${pages.length} pages, every relative link resolves, in ${((Date.now() - started) / 1000).toFixed(1)} s -> ${relative(root, out)}`,
);
