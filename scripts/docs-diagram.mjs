// Renders a sequence diagram, described as JSON (participants and steps), to
// a standalone SVG. Used by the docs build so the diagram is generated from
// source without a browser: no Mermaid, no Chromium, same bytes every run.
//
//   node scripts/docs-diagram.mjs <spec.json> <out.svg>
import { readFileSync, writeFileSync } from "node:fs";

const COLUMN = 138;
const MARGIN = 24;
const HEAD = 58;
const ROW = 30;
const SECTION = 30;
const FONT = "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

const escapeXml = (text) =>
  String(text).replace(
    /[<>&"']/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c],
  );

/** Renders `spec` ({ title, participants: [{id,label,sub}], steps }) to an SVG string. */
export function renderSequence(spec) {
  const x = new Map(spec.participants.map((p, i) => [p.id, MARGIN + COLUMN / 2 + i * COLUMN]));
  const width = MARGIN * 2 + COLUMN * spec.participants.length;
  const body = [];
  let y = MARGIN + HEAD + 16;
  for (const step of spec.steps) {
    if (step.section) {
      y += 8;
      body.push(
        `<rect x="${MARGIN}" y="${y - 15}" width="${width - MARGIN * 2}" height="22" rx="4" class="section"/>`,
        `<text x="${MARGIN + 8}" y="${y}" class="section-text">${escapeXml(step.section)}</text>`,
      );
      y += SECTION;
      continue;
    }
    const from = x.get(step.from);
    const to = x.get(step.to);
    if (from === undefined || to === undefined) {
      throw new Error(`unknown participant in step ${JSON.stringify(step)}`);
    }
    const dir = to > from ? 1 : -1;
    const tip = to - dir * 2;
    body.push(
      `<line x1="${from}" y1="${y}" x2="${tip}" y2="${y}" class="${step.reply ? "reply" : "call"}" marker-end="url(#arrow)"/>`,
      `<text x="${(from + to) / 2}" y="${y - 6}" class="label">${escapeXml(step.text)}</text>`,
    );
    y += ROW;
  }
  const height = y + MARGIN;
  const heads = spec.participants
    .map((p) => {
      const cx = x.get(p.id);
      return [
        `<line x1="${cx}" y1="${MARGIN + HEAD}" x2="${cx}" y2="${height - MARGIN}" class="life"/>`,
        `<rect x="${cx - COLUMN / 2 + 8}" y="${MARGIN}" width="${COLUMN - 16}" height="${HEAD - 8}" rx="6" class="head"/>`,
        `<text x="${cx}" y="${MARGIN + 21}" class="head-text">${escapeXml(p.label)}</text>`,
        `<text x="${cx}" y="${MARGIN + 38}" class="head-sub">${escapeXml(p.sub ?? "")}</text>`,
      ].join("");
    })
    .join("\n");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title">
<title id="title">${escapeXml(spec.title)}</title>
<style>
text { font-family: ${FONT}; fill: #1f2328; }
.head { fill: #eef4ff; stroke: #3b6fd8; stroke-width: 1.2; }
.head-text { font-size: 13px; font-weight: 600; text-anchor: middle; }
.head-sub { font-size: 10px; text-anchor: middle; fill: #57606a; }
.life { stroke: #8c959f; stroke-dasharray: 3 4; }
.call { stroke: #1f2328; stroke-width: 1.3; }
.reply { stroke: #3b6fd8; stroke-width: 1.3; stroke-dasharray: 6 4; }
.label { font-size: 11px; text-anchor: middle; }
.section { fill: #f6f8fa; stroke: #d0d7de; }
.section-text { font-size: 11.5px; font-weight: 600; }
</style>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f2328"/></marker></defs>
<rect width="100%" height="100%" fill="#ffffff"/>
${heads}
${body.join("\n")}
</svg>
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [specPath, outPath] = process.argv.slice(2);
  if (!specPath || !outPath) {
    console.error("usage: node scripts/docs-diagram.mjs <spec.json> <out.svg>");
    process.exit(2);
  }
  writeFileSync(outPath, renderSequence(JSON.parse(readFileSync(specPath, "utf8"))));
  console.log(`diagram  ${outPath}`);
}
