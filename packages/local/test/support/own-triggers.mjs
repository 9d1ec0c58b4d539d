// A user's own trigger module, as the local-stack guide describes it: it reads
// its configuration from the environment when it loads, and its AWS SDK clients
// find the stack through AWS_ENDPOINT_URL_* at their first request.
import { createPasscodeTriggers, dynamoDbStore } from "@cognito-passcode/triggers";

const env = process.env;
const store = dynamoDbStore({ tableName: env.PASSCODE_TABLE_NAME });

export const { defineAuthChallenge, createAuthChallenge, verifyAuthChallenge, preSignUp } =
  createPasscodeTriggers({
    email: {
      from: env.PASSCODE_EMAIL_FROM,
      appName: env.PASSCODE_APP_NAME,
      render: ({ code }) => ({
        subject: "Your own-module code",
        html: `<p>${code}</p>`,
        text: `Code: ${code}`,
      }),
    },
    username: { registry: store },
    throttle: { store },
    // Tests only: Secrets Manager does not run locally.
    codeSecret: env.TEST_CODE_SECRET,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
