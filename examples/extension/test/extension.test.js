// The extension against netlify-reconciler's emulator, after `drift --publish-status` wrote the site's
// and team's status (tests/cli/test_extension_example.py prepares that and sets the variables below).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { integration } from "../src/index.js";
import { integrationUI } from "../src/ui/index.js";
import { required, routeIntegrationApi, runSurfaceScript, serveHandlers, surfaceState } from "./harness.js";

const token = required("NETLIFY_TOKEN");
const siteId = required("SITE_ID");
const teamId = required("TEAM_ID");
const otherSiteId = required("OTHER_SITE_ID");
const expected = JSON.parse(required("EXPECTED_STATUS"));
const FIELDS = ["format", "owner", "state", "counts", "conflicts", "summary", "checked_at", "source", "run_url"];

let handlers;
let restore;

before(async () => {
  restore = routeIntegrationApi(required("INTEGRATION_API_URL"));
  integration._slug = required("SLUG"); // what the SDK's build writes into the deployed handler
  handlers = await serveHandlers(integration);
});

after(async () => {
  await handlers.close();
  restore();
});

function call(name, { query = {}, headers = {} } = {}) {
  const url = new URL(`/.netlify/functions/handler/${name}`, handlers.url);
  for (const [key, value] of Object.entries(query)) {
    url.searchParams.set(key, value);
  }
  return fetch(url, { headers });
}

test("the status handler answers the published status, and nothing else of the context", async () => {
  const response = await call("status", { query: { siteId, teamId }, headers: { "netlify-token": token } });
  assert.equal(response.status, 200);
  const status = await response.json();
  assert.deepEqual(status, expected.site);
  assert.ok(Object.keys(status).every((key) => FIELDS.includes(key)));
  assert.ok(!JSON.stringify(status).includes("netlify-reconciler\""), "the ledger stays in the context");
});

test("the token may come in the _nf-auth cookie, and a team's status by teamId", async () => {
  const cookie = await call("status", { query: { siteId }, headers: { cookie: `_nf-auth=${token}` } });
  assert.equal(cookie.status, 200);
  assert.equal((await cookie.json()).state, expected.site.state);
  const team = await call("status", { query: { teamId }, headers: { "netlify-token": token } });
  assert.deepEqual(await team.json(), expected.team);
});

test("refusals: no token, a refused token, an integration not enabled there, no site or team", async () => {
  assert.equal((await call("status", { query: { siteId } })).status, 401);
  const refused = await call("status", { query: { siteId }, headers: { "netlify-token": "not-a-token" } });
  assert.equal(refused.status, 401);
  const elsewhere = await call("status", { query: { siteId: otherSiteId }, headers: { "netlify-token": token } });
  assert.equal(elsewhere.status, 404);
  assert.match((await elsewhere.json()).error, /not enabled/);
  assert.equal((await call("status", { headers: { "netlify-token": token } })).status, 400);
});

test("the site page's button fetches the status through surfaceState.fetch and shows it", async () => {
  const { config, script } = integrationUI.generateUIConfig("https://example.invalid/ui.js");
  const [surface] = config.surfaces;
  assert.equal(surface.surfaceName, "integrations-settings");
  const routeConfig = structuredClone(surface.routes["/"]);
  const button = routeConfig.find((element) => element.type === "button");
  assert.equal(button.title, "Show Git status");
  const callbacks = runSurfaceScript(script);
  const click = callbacks[`${button.id.replace(/[^a-zA-Z0-9:]/g, "_")}:click_UICALLBACK`];
  assert.equal(typeof click, "function");

  const state = surfaceState({ serverUrl: handlers.url, token, siteId, teamId, routeConfig });
  const shown = await click(state);
  const text = shown.surfaceRouteConfig.find((element) => element.id === "reconciler-status").value;
  const words = { in_sync: "In sync with Git", drifted: "Drifted from Git", error: "Could not be checked" };
  assert.ok(text.startsWith(`${words[expected.site.state]}. ${expected.site.summary}`), text);
  const link = shown.surfaceRouteConfig.find((element) => element.id === "reconciler-run");
  assert.equal(link.display, expected.site.run_url ? "visible" : "hidden");
  if (expected.site.run_url) {
    assert.equal(link.href, expected.site.run_url);
  }

  const other = surfaceState({ serverUrl: handlers.url, token, siteId: otherSiteId, teamId, routeConfig });
  const refused = await click(other);
  const said = refused.surfaceRouteConfig.find((element) => element.id === "reconciler-status").value;
  assert.match(said, /not enabled/);
});
