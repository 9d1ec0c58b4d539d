import { cognitoIdentityJs } from "./clients/cognito-identity-js.js";
import { describeConformance } from "./scenarios.js";

describeConformance(cognitoIdentityJs);
