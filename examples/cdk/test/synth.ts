import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { PasscodeStack, type PasscodeStackProps } from "../lib/passcode-stack.js";

/** The example's folder (examples/cdk). */
export const exampleDir = fileURLToPath(new URL("..", import.meta.url));

const TRIGGERS_DIST = fileURLToPath(
  new URL("../../../packages/triggers/dist/index.cjs", import.meta.url),
);

/** The props every test starts from: fixed account and region, so no lookups happen. */
export const baseProps: PasscodeStackProps = {
  env: { account: "123456789012", region: "eu-west-1" },
  emailIdentity: { domain: "example.com" },
  appName: "Acme",
};

/** One synthesized app: the stack, its template, and where the assembly went. */
export interface Synthesized {
  stack: PasscodeStack;
  template: Template;
  outdir: string;
  /** The parsed validation-report.json (cdk-nag's findings), if one was written. */
  report: { pluginReports: { violations?: { ruleName: string }[] }[] } | undefined;
  /** Deletes the assembly. */
  dispose(): void;
}

/**
 * Synthesizes a PasscodeStack with cdk-nag's AwsSolutions pack attached. The
 * assembly goes under examples/cdk/cdk.out so the bundled handlers can resolve
 * the AWS SDK from the example's node_modules, as the Lambda runtime would.
 */
export function synth(
  props: Partial<PasscodeStackProps> = {},
  options: { acknowledge?: boolean } = {},
): Synthesized {
  if (!existsSync(TRIGGERS_DIST)) {
    throw new Error("Build @cognito-passcode/triggers first: pnpm run build");
  }
  const root = join(exampleDir, "cdk.out");
  mkdirSync(root, { recursive: true });
  const outdir = mkdtempSync(join(root, "test-"));
  const app = new App({ outdir });
  const stack = new PasscodeStack(app, "Passcode", {
    ...baseProps,
    ...props,
    acknowledgeNagFindings: options.acknowledge ?? true,
  } as PasscodeStackProps);
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
    stack,
    template: Template.fromJSON(
      JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), "utf8")),
    ),
    outdir,
    report,
    dispose: () => rmSync(outdir, { recursive: true, force: true }),
  };
}
