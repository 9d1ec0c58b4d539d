// Amplify v6 holds process-wide state (its configuration, token store and
// sign-in state), so its scenarios run sequentially in this one file, which
// vitest runs in its own worker, against one stack configured once.
import { amplify } from "./clients/amplify.js";
import { describeConformance } from "./scenarios.js";

describeConformance(amplify);
