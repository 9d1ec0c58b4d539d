import { integrationSuite } from "./helpers/integration-suite.js";

integrationSuite("fetch");
