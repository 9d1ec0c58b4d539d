import { awsSdk } from "./clients/aws-sdk.js";
import { describeConformance } from "./scenarios.js";

describeConformance(awsSdk);
