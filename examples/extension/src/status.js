// The `status` API handler: the status netlify-reconciler published for this site (or team) into this
// integration's context (`drift --publish-status SLUG`, `apply --publish-status SLUG`), read with the
// SDK's client. Only the status document is answered: the context also holds the tool's ledger and the
// integration's own settings, which are nobody's business in a browser.

export const STATUS_KEY = "netlify-reconciler-status";
const FIELDS = ["format", "owner", "state", "counts", "conflicts", "summary", "checked_at", "source", "run_url"];
const STATES = ["in_sync", "drifted", "error"];

function answer(statusCode, document) {
  return {
    statusCode,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
    body: JSON.stringify(document),
  };
}

/** The published status, cut to its documented fields (schemas/status.schema.json), or null. */
export function publishedStatus(config) {
  const found = config && typeof config === "object" ? config[STATUS_KEY] : undefined;
  if (!found || typeof found !== "object" || !STATES.includes(found.state)) {
    return null;
  }
  return Object.fromEntries(FIELDS.filter((field) => field in found).map((field) => [field, found[field]]));
}

/** `integration.addApiHandler("status", statusHandler)`: context has `siteId`/`teamId` and `client`. */
export async function statusHandler(_event, context) {
  const { siteId, teamId, client } = context;
  if (!siteId && !teamId) {
    return answer(400, { error: "say which site or team: the siteId or teamId query parameter" });
  }
  let integration;
  try {
    integration = siteId ? await client.getSiteIntegration(siteId) : await client.getTeamIntegration(teamId);
  } catch (error) {
    if (error?.status === 404) {
      return answer(404, { error: "this integration is not enabled on that site or team" });
    }
    if (error?.status === 401 || error?.status === 403) {
      return answer(error.status, { error: "the Integration API refused this token" });
    }
    throw error; // the SDK answers 500 and logs it
  }
  const status = publishedStatus(integration?.config);
  if (status === null) {
    return answer(404, {
      error: "no status published here yet: run `netlify-reconciler drift MANIFESTS --publish-status SLUG`",
    });
  }
  return answer(200, status);
}
