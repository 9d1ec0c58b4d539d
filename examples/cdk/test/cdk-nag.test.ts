import { FeaturePlan } from "aws-cdk-lib/aws-cognito";
import { describe, expect, it } from "vitest";
import { NAG_REASONS } from "../lib/nag-acknowledgements.js";
import { synth } from "./synth.js";

const violations = (report: ReturnType<typeof synth>["report"]) =>
  (report?.pluginReports ?? []).flatMap((p) => (p.violations ?? []).map((v) => v.ruleName)).sort();

type Suppressed = { id: string; reason: string };
const suppressions = (template: ReturnType<typeof synth>["template"]) =>
  Object.values(
    template.toJSON().Resources as Record<
      string,
      { Metadata?: { cdk_nag?: { rules_to_suppress?: Suppressed[] } } }
    >,
  ).flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? []);

// Each test synthesizes a whole app (esbuild bundling included); on a busy
// two-core machine that can take a while.
describe("cdk-nag AwsSolutions", { timeout: 120_000 }, () => {
  it.each([
    ["per-trigger functions and a domain identity", {}],
    [
      "a single function and an address identity",
      { functionLayout: "single" as const, emailIdentity: { address: "auth@example.com" } },
    ],
    ["an existing user pool", { existingUserPoolId: "eu-west-1_AbCdEfGhI" }],
  ])("passes with %s, every acknowledgement explained", (_name, props) => {
    const s = synth(props);
    try {
      expect(violations(s.report)).toEqual([]);
      for (const { id, reason } of suppressions(s.template)) {
        expect(Object.keys(NAG_REASONS)).toContain(id);
        expect(reason).toBe(NAG_REASONS[id as keyof typeof NAG_REASONS]);
      }
    } finally {
      s.dispose();
    }
  });

  it("reports exactly the acknowledged findings when nothing is acknowledged", () => {
    // The negative control: proves the checks run, and that each
    // acknowledgement stands for a real finding rather than a blanket waiver.
    const s = synth({}, { acknowledge: false });
    try {
      expect(violations(s.report)).toEqual(Object.keys(NAG_REASONS).sort());
    } finally {
      s.dispose();
    }
  });

  it("passes on the Plus plan with no COG8 acknowledgement, threat protection on", () => {
    const s = synth({ featurePlan: FeaturePlan.PLUS });
    try {
      expect(violations(s.report)).toEqual([]);
      expect([...new Set(suppressions(s.template).map((x) => x.id))].sort()).toEqual([
        "AwsSolutions-COG2",
        "AwsSolutions-SMG4",
      ]);
      s.template.hasResourceProperties("AWS::Cognito::UserPool", {
        UserPoolTier: "PLUS",
        UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
      });
    } finally {
      s.dispose();
    }
  });
});
