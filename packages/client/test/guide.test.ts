import { describe, expect, it } from "vitest";
import { checkBlocks, extractBlocks, readGuide } from "./guide/check-guide.js";

/**
 * The client guide's code is compiled, not just read: every ts and tsx block
 * (and the `<script lang="ts">` of every vue and svelte block) type-checks
 * against the client's source types with the repo's strict settings.
 */
describe("docs/guides/client.md", () => {
  const blocks = extractBlocks(readGuide());
  const results = checkBlocks(blocks);

  it("has code blocks to check, for each framework the guide shows", () => {
    expect(new Set(blocks.map((b) => b.lang))).toEqual(new Set(["ts", "tsx", "vue", "svelte"]));
  });

  it.each(blocks.map((block, i) => [`${block.lang} block at line ${block.line}`, i] as const))(
    "%s type-checks",
    (_, i) => {
      const errors = results[i]!.map((d) => `client.md:${d.line}: TS${d.code} ${d.message}`);
      expect(errors).toEqual([]);
    },
  );
});

describe("the guide checker", () => {
  it("reports a missing export, an unknown name and a wrong type, at their lines in the page", () => {
    // Prepare
    const page = [
      "# Page",
      "```ts",
      'import { nothingLikeThis } from "@cognito-passcode/client";',
      "```",
      "",
      '```ts title="app.ts"',
      'import { createPasscodeClient } from "@cognito-passcode/client";',
      'export const client = createPasscodeClient({ clientId: "c", region: "eu-west-1" });',
      "```",
      "```tsx",
      'import { client } from "./app";',
      "const n: number = client.getSnapshot().status;",
      "export const x = <Missing />;",
      "```",
      "```svelte",
      '<script lang="ts">',
      '  import { passcodeStore } from "@cognito-passcode/client/svelte";',
      "  let { client } = $props();",
      "  const s: string = passcodeStore(client);",
      "</script>",
      "```",
      "```sh",
      "not checked",
      "```",
    ].join("\n");

    // Act
    const blocks = extractBlocks(page);
    const found = checkBlocks(blocks).map((errors) => errors.map((d) => [d.line, d.code]));

    // Assess
    expect(blocks.map((b) => b.lang)).toEqual(["ts", "ts", "tsx", "svelte"]);
    expect(found).toEqual([
      [[3, 2305]],
      [],
      [
        [12, 2322],
        [13, 2304],
      ],
      [[19, 2322]],
    ]);
  });
});
