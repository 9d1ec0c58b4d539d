import { rawFetch } from "./clients/raw-fetch.js";
import { describeConformance } from "./scenarios.js";

describeConformance(rawFetch);
