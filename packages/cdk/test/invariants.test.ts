import { UserPool } from "aws-cdk-lib/aws-cognito";
import { describe, expect, it } from "vitest";
import { type Synthesized, synth, violations } from "./synth.js";

type Resource = { Type: string; Properties: Record<string, unknown> };
type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Each role's statements, by the role's logical id. */
function grants(s: Synthesized): Map<string, Statement[]> {
  const out = new Map<string, Statement[]>();
  const policies = Object.values(
    s.template.findResources("AWS::IAM::Policy") as Record<string, Resource>,
  );
  for (const p of policies) {
    for (const role of p.Properties.Roles as { Ref: string }[]) {
      const list = out.get(role.Ref) ?? [];
      list.push(...(p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      out.set(role.Ref, list);
    }
  }
  return out;
}
const actions = (st: Statement) => ([] as string[]).concat(st.Action);

// The security invariants hold in every shape the construct takes: one or
// four functions, a new or an imported pool, with or without the username step.
describe("invariants across layouts and pools", { timeout: 240_000 }, () => {
  const shapes = [
    ["per-trigger", "new"],
    ["single", "new"],
    ["per-trigger", "imported"],
    ["single", "imported"],
  ] as const;
  it.each(shapes)("%s functions, %s pool", (layout, pool) => {
    const s = synth(
      { functionLayout: layout, ...(layout === "single" ? { username: false as const } : {}) },
      {
        before: (stack) =>
          pool === "imported"
            ? { userPool: UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_AbCdEfGhI") }
            : {},
      },
    );
    try {
      expect(violations(s.report)).toEqual([]);
      const byRole = grants(s);
      const functions = Object.values(
        s.template.findResources("AWS::Lambda::Function") as Record<string, Resource>,
      );
      expect(functions.length).toBe((layout === "single" ? 1 : 4) + (layout === "single" ? 0 : 1));
      for (const fn of functions) {
        const role = (fn.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;
        const statements = byRole.get(role) ?? [];
        const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        // Logs: only to the function's own group.
        const logs = statements.filter((st) => actions(st).some((a) => a.startsWith("logs:")));
        expect(logs).toHaveLength(1);
        expect(logs[0]!.Resource).toEqual({
          "Fn::GetAtt": [
            (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref,
            "Arn",
          ],
        });
        // The secret: readable exactly by the functions told where it is.
        const readsSecret = statements.some((st) =>
          actions(st).includes("secretsmanager:GetSecretValue"),
        );
        expect(readsSecret, String(fn.Properties.Handler)).toBe("PASSCODE_CODE_SECRET_ARN" in vars);
        for (const st of statements) {
          // No wildcard action or resource, ever.
          for (const a of actions(st)) expect(a).not.toContain("*");
          expect(JSON.stringify(st.Resource)).not.toMatch(/"\*"|:\*"/);
          // Email only from the configured address.
          if (actions(st).includes("ses:SendEmail")) {
            expect(st.Condition).toEqual({
              StringEquals: { "ses:FromAddress": "no-reply@example.com" },
            });
          }
        }
      }
      // Cognito may invoke every trigger function, from this pool only.
      const invokes = Object.values(
        s.template.findResources("AWS::Lambda::Permission") as Record<string, Resource>,
      )
        .filter((p) => p.Properties.Principal === "cognito-idp.amazonaws.com")
        .map((p) => JSON.stringify(p.Properties.SourceArn));
      expect(invokes).toHaveLength(layout === "single" ? (pool === "new" ? 4 : 1) : 4);
      expect(new Set(invokes).size).toBe(1);
      expect(invokes[0]).toContain(pool === "new" ? "UserPool" : "eu-west-1_AbCdEfGhI");
    } finally {
      s.dispose();
    }
  });
});
