// The extension (an "integration" in @netlify/sdk 1.x): one API handler, `status`, served by Netlify at
// /.netlify/functions/handler/status and called from the UI surface in src/ui/index.js.
import { NetlifyIntegration } from "@netlify/sdk";

import { statusHandler } from "./status.js";

const integration = new NetlifyIntegration();

integration.addApiHandler("status", statusHandler);

export { integration };
