import { integrationSuite } from "./helpers/integration-suite.js";

integrationSuite("cognito-identity-js");
