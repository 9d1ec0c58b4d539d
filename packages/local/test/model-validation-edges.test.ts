import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COGNITO_MODEL } from "../src/cognito-model.gen.js";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { outputProblems, validateInput } from "../src/model-validation.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { signUp } from "./support/flow.js";
import { rawCall } from "./support/model-cases.js";

// Adversarial edges of the model-validation layer (issue 14 review): request
// bodies a browser page or a script can send to the dev server.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ handlers: secretWordTriggers().handlers });
});
afterAll(async () => {
  await stack?.stop();
});

/** One unsigned call with a raw JSON text as the body. */
async function post(operation: string, body: string) {
  const response = await fetch(stack.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Names every plain object inherits: a lookup on a model table must not find them. */
const INHERITED = ["constructor", "toString", "hasOwnProperty", "valueOf", "__proto__"];

describe("members named like Object's own properties", () => {
  it.each(INHERITED)(
    "an unknown member %s is ignored, as Coral ignores unknown members",
    async (name) => {
      // Prepare: a valid InitiateAuth plus the stray member, written as raw JSON
      // (JSON.parse makes `__proto__` an own member, as a Java parser would)
      const body = `{"${name}":{"x":1},"ClientId":"${stack.clientId}","AuthFlow":"CUSTOM_AUTH","AuthParameters":{"USERNAME":"nobody@example.com"}}`;
      // Act
      const { status, body: answer } = await post("InitiateAuth", body);
      // Assess: the sign-in starts (an unknown user gets a challenge), no 500
      expect(answer.__type).toBeUndefined();
      expect(status).toBe(200);
      expect(answer.ChallengeName).toBe("CUSTOM_CHALLENGE");
    },
  );

  it("validateInput ignores any unknown member name, whatever its value (property)", () => {
    const known = new Set(Object.keys(COGNITO_MODEL.shapes.InitiateAuthRequest!.members ?? {}));
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...INHERITED), fc.string()).filter((k) => !known.has(k)),
        fc.jsonValue(),
        (name, value) => {
          const input = JSON.parse(
            `{${JSON.stringify(name)}:${JSON.stringify(value)},"ClientId":"abc","AuthFlow":"CUSTOM_AUTH"}`,
          ) as Record<string, unknown>;
          expect(() => validateInput("InitiateAuth", input)).not.toThrow();
        },
      ),
    );
  });

  it("outputProblems names an inherited-looking stray member as not in the shape", () => {
    const output = JSON.parse(`{"constructor":"x","UserConfirmed":true,"UserSub":"s"}`);
    expect(outputProblems("SignUp", output)).toEqual(["constructor: not in SignUpResponse"]);
  });
});

describe("numbers as Coral reads them (TruncatingBigNumber: the fraction is dropped)", () => {
  it("ListUsers takes Limit 1.9 as 1, as validation does, instead of refusing it as over 60", async () => {
    // Prepare: two users
    await signUp(stack, "frac-1@example.com");
    await signUp(stack, "frac-2@example.com");
    // Act
    const { status, body } = await rawCall(stack, "ListUsers", {
      UserPoolId: stack.userPoolId,
      Limit: 1.9,
    });
    // Assess
    expect(body.__type).toBeUndefined();
    expect(status).toBe(200);
    expect(body.Users).toHaveLength(1);
    expect(typeof body.PaginationToken).toBe("string");
  });
});

describe("validation messages never echo a sensitive value", () => {
  /** Every (operation, top-level member) whose shape the model marks sensitive and constrains. */
  const sensitive = Object.entries(COGNITO_MODEL.operations).flatMap(([operation, op]) =>
    Object.entries(COGNITO_MODEL.shapes[op.input]!.members ?? {})
      .filter(([, shape]) => {
        const s = COGNITO_MODEL.shapes[shape]!;
        return s.sensitive === true && s.type === "string";
      })
      .map(([member, shape]) => ({ operation, member, shape: COGNITO_MODEL.shapes[shape]! })),
  );

  it("covers the secrets a request carries", () => {
    const members = new Set(sensitive.map((s) => s.member));
    for (const name of ["AccessToken", "Password", "Session", "RefreshToken", "Token"]) {
      expect(members).toContain(name);
    }
  });

  it("a malformed or oversized secret is named by its path only (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...sensitive),
        fc.string({ minLength: 8, maxLength: 40 }).map((s) => `S3cr3t ${s.replace(/'/g, "")}`),
        ({ operation, member, shape }, secret) => {
          // Too long for the shape and, with its space, off any [\S]-style pattern.
          const value = secret.padEnd((shape.max ?? 4096) + 1, "x");
          let message = "";
          try {
            validateInput(operation, { [member]: value });
          } catch (error) {
            message = (error as Error).message;
          }
          expect(message).toContain(`at '${member[0]!.toLowerCase()}${member.slice(1)}'`);
          expect(message).not.toContain("S3cr3t");
        },
      ),
    );
  });
});
