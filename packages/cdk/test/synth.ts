import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { PasscodeAuth, type PasscodeAuthProps, type PasscodeClientProps } from "../src/index.js";

/** The props every test starts from. */
export const baseProps: PasscodeAuthProps = {
  email: { domain: "example.com" },
  appName: "Acme",
};

/** One synthesized app: the construct, its stack's template, the assembly folder and cdk-nag's report. */
export interface Synthesized {
  auth: PasscodeAuth;
  stack: Stack;
  template: Template;
  outdir: string;
  /** The parsed validation-report.json (cdk-nag's findings), if one was written. */
  report: { pluginReports: { violations?: { ruleName: string }[] }[] } | undefined;
  dispose(): void;
}

/** A resource of a synthesized template. */
export type Resource = {
  Type: string;
  Properties: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
};

/** Every resource of `type` in the template, as [logical id, resource] pairs. */
export const all = (s: Synthesized, type: string) =>
  Object.entries(s.template.findResources(type) as Record<string, Resource>);

/**
 * Synthesizes a stack (fixed account and region, so no lookups) holding one
 * PasscodeAuth "Auth" and one client "Web", with cdk-nag's AwsSolutions pack
 * attached, into a temporary folder.
 */
export function synth(
  props: Partial<PasscodeAuthProps> = {},
  options: {
    client?: PasscodeClientProps | false;
    before?: (stack: Stack) => Partial<PasscodeAuthProps>;
  } = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), "passcode-cdk-"));
  const app = new App({ outdir });
  const stack = new Stack(app, "Passcode", {
    env: { account: "123456789012", region: "eu-west-1" },
  });
  const auth = new PasscodeAuth(stack, "Auth", {
    ...baseProps,
    ...props,
    ...options.before?.(stack),
  });
  if (options.client !== false) auth.addClient("Web", options.client ?? {});
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
  );
  let failure: unknown;
  try {
    app.synth();
  } catch (error) {
    failure = error;
  }
  const reportPath = join(outdir, "validation-report.json");
  const report = existsSync(reportPath) ? JSON.parse(readFileSync(reportPath, "utf8")) : undefined;
  if (failure && !report) throw failure;
  return {
    auth,
    stack,
    template: Template.fromJSON(
      JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), "utf8")),
    ),
    outdir,
    report,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}

/** The cdk-nag rules a report says were broken, sorted. */
export const violations = (report: Synthesized["report"]) =>
  (report?.pluginReports ?? []).flatMap((p) => (p.violations ?? []).map((v) => v.ruleName)).sort();
