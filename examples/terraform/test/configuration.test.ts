import { readdirSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "@cdktf/hcl2json";
import { beforeAll, describe, expect, it } from "vitest";
import {
  KNOWN_ENVIRONMENT_NAMES,
  LAMBDA_RUNTIMES,
  loadPrebuiltHandler,
  prebuiltHandlerDir,
} from "../../test-support/prebuilt-handler.js";

const here = dirname(fileURLToPath(import.meta.url));
const folder = resolve(here, "..");

type Block = Record<string, unknown>;
/** A configuration as hcl2json gives it: `resource.<type>.<name>` is a list of blocks. */
interface Configuration {
  resource?: Record<string, Record<string, Block[]>>;
  data?: Record<string, Record<string, Block[]>>;
  variable?: Record<string, Block[]>;
  locals?: Block[];
  output?: Record<string, Block[]>;
}

/**
 * Required arguments of the resource and data types used, from the Terraform
 * registry's "Argument Reference" of hashicorp/aws 5.x and 6.x, hashicorp/archive
 * and hashicorp/random (hcl2json has no provider schema, so this table is
 * written by hand; a type missing from it fails the test).
 */
const REQUIRED: Record<string, string[]> = {
  aws_cognito_user_pool: ["name"],
  aws_cognito_user_pool_client: ["name", "user_pool_id"],
  aws_dynamodb_table: ["name", "hash_key", "attribute"],
  aws_lambda_function: ["function_name", "role"],
  aws_iam_role: ["assume_role_policy"],
  aws_iam_role_policy: ["policy", "role"],
  aws_lambda_permission: ["action", "function_name", "principal"],
  aws_cloudwatch_log_group: [],
  aws_cloudwatch_event_rule: [],
  aws_cloudwatch_event_target: ["arn", "rule"],
  aws_secretsmanager_secret: [],
  aws_secretsmanager_secret_version: ["secret_id"],
  random_password: ["length"],
  "data.archive_file": ["type", "output_path"],
  "data.aws_region": [],
  "data.aws_caller_identity": [],
  "data.aws_partition": [],
};
/** Required arguments of nested blocks, by block name. */
const REQUIRED_IN_BLOCK: Record<string, string[]> = {
  schema: ["name", "attribute_data_type"],
  recovery_mechanism: ["name", "priority"],
  attribute: ["name", "type"],
  ttl: ["attribute_name"],
  environment: ["variables"],
};

async function parseFolder(files: Record<string, string>): Promise<Configuration> {
  const merged: Configuration = {};
  for (const [name, text] of Object.entries(files)) {
    const part = (await parse(name, text)) as Configuration;
    for (const [key, value] of Object.entries(part) as [keyof Configuration, unknown][]) {
      if (key === "locals") merged.locals = [...(merged.locals ?? []), ...(value as Block[])];
      else if (key === "resource" || key === "data") {
        merged[key] ??= {};
        const into = merged[key];
        for (const [type, named] of Object.entries(
          value as Record<string, Record<string, Block[]>>,
        )) {
          into[type] = { ...into[type], ...named };
        }
      } else
        (merged as Record<string, unknown>)[key] = {
          ...((merged as Record<string, object>)[key] ?? {}),
          ...(value as object),
        };
    }
  }
  return merged;
}

function strings(node: unknown, out: string[] = []): string[] {
  if (typeof node === "string") out.push(node);
  else if (Array.isArray(node)) for (const item of node) strings(item, out);
  else if (node && typeof node === "object")
    for (const value of Object.values(node)) strings(value, out);
  return out;
}

/** Every reference to a resource, data source, variable or local that the configuration does not define. */
function referenceProblems(config: Configuration): string[] {
  const resources = config.resource ?? {};
  const data = config.data ?? {};
  const variables = new Set(Object.keys(config.variable ?? {}));
  const locals = new Set((config.locals ?? []).flatMap((block) => Object.keys(block)));
  const problems = new Set<string>();
  for (const text of strings([config.resource, config.data, config.locals, config.output])) {
    for (const m of text.matchAll(/(?<![\w.])((?:aws|random)_[a-z0-9_]+)\.([a-z0-9_]+)/g)) {
      if (!resources[m[1]!]?.[m[2]!]) problems.add(`resource ${m[1]}.${m[2]} is not defined`);
    }
    for (const m of text.matchAll(/(?<![\w.])data\.([a-z0-9_]+)\.([a-z0-9_]+)/g)) {
      if (!data[m[1]!]?.[m[2]!]) problems.add(`data ${m[1]}.${m[2]} is not defined`);
    }
    for (const m of text.matchAll(/(?<![\w.])var\.([a-z0-9_]+)/g)) {
      if (!variables.has(m[1]!)) problems.add(`variable ${m[1]} is not defined`);
    }
    for (const m of text.matchAll(/(?<![\w.])local\.([a-z0-9_]+)/g)) {
      if (!locals.has(m[1]!)) problems.add(`local ${m[1]} is not defined`);
    }
  }
  return [...problems];
}

/** Every required argument missing, and every type the table does not know. */
function requiredProblems(config: Configuration): string[] {
  const problems: string[] = [];
  const checkBlocks = (block: Block, at: string) => {
    for (const [key, value] of Object.entries(block)) {
      if (
        !Array.isArray(value) ||
        !value.every((v) => v && typeof v === "object" && !Array.isArray(v))
      )
        continue;
      for (const [i, nested] of (value as Block[]).entries()) {
        for (const arg of REQUIRED_IN_BLOCK[key] ?? []) {
          if (!(arg in nested)) problems.push(`${at}.${key}[${i}]: ${arg} is required`);
        }
        checkBlocks(nested, `${at}.${key}[${i}]`);
      }
    }
  };
  for (const [kind, types] of [
    ["", config.resource ?? {}],
    ["data.", config.data ?? {}],
  ] as const) {
    for (const [type, named] of Object.entries(types)) {
      const required = REQUIRED[`${kind}${type}`];
      if (!required) {
        problems.push(`${kind}${type}: not in the required-arguments table`);
        continue;
      }
      for (const [name, blocks] of Object.entries(named)) {
        for (const block of blocks) {
          for (const arg of required)
            if (!(arg in block)) problems.push(`${kind}${type}.${name}: ${arg} is required`);
          checkBlocks(block, `${kind}${type}.${name}`);
        }
      }
    }
  }
  return problems;
}

describe("examples/terraform", () => {
  let config: Configuration;
  let text: string;
  beforeAll(async () => {
    const files = Object.fromEntries(
      readdirSync(folder)
        .filter((f) => f.endsWith(".tf"))
        .map((f) => [f, readFileSync(resolve(folder, f), "utf8")]),
    );
    text = Object.values(files).join("\n");
    config = await parseFolder(files);
  });
  const resource = (type: string, name: string) => config.resource![type]![name]![0]!;

  it("parses (HCL native syntax) and defines everything it references", () => {
    expect(Object.keys(config.resource ?? {}).length).toBeGreaterThan(5);
    expect(referenceProblems(config)).toEqual([]);
  });

  it("gives every resource and block its required arguments", () => {
    expect(requiredProblems(config)).toEqual([]);
  });

  it("catches what the old docs snippet got wrong: the single-line block, undefined resources, a missing argument", async () => {
    // Act
    const singleLine = parse(
      "old.tf",
      'resource "aws_cognito_user_pool" "pool" {\n  name = "p"\n  schema {\n    string_attribute_constraints { min_length = 1, max_length = 64 }\n  }\n}\n',
    );
    const dangling = await parseFolder({
      "old.tf":
        'resource "aws_lambda_permission" "cognito" {\n  action = "lambda:InvokeFunction"\n  function_name = aws_lambda_function.triggers.function_name\n  source_arn = aws_cognito_user_pool.pool.arn\n}\nresource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.username_sweep.id\n  policy = var.policy\n}\n',
    });
    // Assess
    await expect(singleLine).rejects.toThrow(/Invalid single-argument block definition/);
    expect(referenceProblems(dangling)).toEqual(
      expect.arrayContaining([
        "resource aws_lambda_function.triggers is not defined",
        "resource aws_cognito_user_pool.pool is not defined",
        "resource aws_iam_role.username_sweep is not defined",
        "variable policy is not defined",
      ]),
    );
    expect(requiredProblems(dangling)).toContain(
      "aws_lambda_permission.cognito: principal is required",
    );
  });

  it("runs the prebuilt handler's exports on a Lambda Node.js runtime", async () => {
    // Act
    const { triggers, sweep } = await loadPrebuiltHandler();

    // Assess
    const variables = config.variable as Record<string, Block[]>;
    expect(resolve(folder, String(variables.handler_dir![0]!.default))).toBe(prebuiltHandlerDir);
    expect(LAMBDA_RUNTIMES).toContain(variables.runtime![0]!.default);
    const triggerMap = config.locals!.find((l) => "triggers" in l)!.triggers as Record<
      string,
      { handler: string }
    >;
    for (const { handler } of Object.values(triggerMap)) {
      expect(typeof triggers[handler.slice("index.".length)], handler).toBe("function");
    }
    const sweepHandler = String(resource("aws_lambda_function", "username_sweep").handler);
    expect(sweepHandler).toBe("username-sweep.handler");
    expect(typeof sweep.handler).toBe("function");
  });

  it("uses only the environment names the prebuilt handler reads, the code secret on Create and Verify only", () => {
    const used = new Set(text.match(/\bPASSCODE_[A-Z_]+\b/g));
    for (const name of used) expect(KNOWN_ENVIRONMENT_NAMES, name).toContain(name);
    for (const name of [
      "PASSCODE_TABLE_NAME",
      "PASSCODE_EMAIL_FROM",
      "PASSCODE_APP_NAME",
      "PASSCODE_CODE_SECRET_ARN",
    ]) {
      expect(used).toContain(name);
    }
    const triggerMap = config.locals!.find((l) => "triggers" in l)!.triggers as Record<
      string,
      { code_secret: boolean }
    >;
    const withSecret = Object.entries(triggerMap)
      .filter(([, t]) => t.code_secret)
      .map(([key]) => key);
    expect(withSecret.sort()).toEqual(["create-auth-challenge", "verify-auth-challenge"]);
    expect(
      String((resource("aws_lambda_function", "trigger").environment as Block[])[0]!.variables),
    ).toContain("each.value.code_secret ? { PASSCODE_CODE_SECRET_ARN");
  });

  it("has the pool, client and permission settings the security model requires", () => {
    const pool = resource("aws_cognito_user_pool", "pool");
    const client = resource("aws_cognito_user_pool_client", "web");
    expect(pool.username_attributes).toEqual(["email"]);
    expect(pool.username_configuration).toEqual([{ case_sensitive: false }]);
    expect(pool.user_attribute_update_settings).toEqual([
      { attributes_require_verification_before_update: ["email"] },
    ]);
    expect(pool.account_recovery_setting).toEqual([
      { recovery_mechanism: [{ name: "admin_only", priority: 1 }] },
    ]);
    expect(pool.deletion_protection).toBe("ACTIVE");
    expect(Object.keys((pool.lambda_config as Block[])[0]!).sort()).toEqual([
      "create_auth_challenge",
      "define_auth_challenge",
      "pre_sign_up",
      "verify_auth_challenge_response",
    ]);
    expect(client.explicit_auth_flows).toEqual(["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    expect(client.prevent_user_existence_errors).toBe("ENABLED");
    expect(client.enable_token_revocation).toBe(true);
    expect(client.generate_secret).toBe(false);
    expect(client.write_attributes).not.toContain("custom:username");
    expect(client.write_attributes).not.toContain("email_verified");
    const cognito = resource("aws_lambda_permission", "cognito");
    expect(cognito.principal).toBe("cognito-idp.amazonaws.com");
    expect(cognito.source_arn).toBe(`\${aws_cognito_user_pool.pool.arn}`);
    const policies = strings(config.resource!.aws_iam_role_policy).join("\n");
    expect(policies).not.toMatch(/Resource\s*=\s*"\*"|Action\s*=\s*"[a-z-]+:\*"/);
    expect(policies).toContain(
      'Condition = { StringEquals = { "ses:FromAddress" = var.email_from } }',
    );
  });
});
