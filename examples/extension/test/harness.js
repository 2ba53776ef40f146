// What Netlify provides around an extension, rebuilt from its documented conventions so the extension's
// own code can run here unchanged, against netlify-reconciler's emulator:
//
// - Netlify serves API handlers as a function: an HTTP request to /.netlify/functions/handler/NAME
//   becomes a Lambda-style event for `integration.baseHandler(event, context)` (`serveHandlers`).
// - The Integration UI runs the surface's callbacks (the script `generateUIConfig` produces) with a
//   `surfaceState` whose `fetch(name, init)` presets the handler base URL, the `netlify-token` header
//   and `siteId`/`teamId` in the query string (`surfaceState`, `runSurfaceScript`).
// - The SDK's handler client talks to Netlify's production Integration API, a host it hard-codes for
//   API handlers; `routeIntegrationApi` sends those requests to the emulator instead (the only change
//   to anything the SDK does).
import { createServer } from "node:http";

export const PRODUCTION_INTEGRATION_API = "https://jigsaw.services-prod.nsvcs.net";

export function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through tests/cli/test_extension_example.py`);
  }
  return value;
}

export function routeIntegrationApi(target) {
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url.startsWith(PRODUCTION_INTEGRATION_API)) {
      return realFetch(target + url.slice(PRODUCTION_INTEGRATION_API.length), init);
    }
    return realFetch(input, init);
  };
  return () => {
    globalThis.fetch = realFetch;
  };
}

export async function serveHandlers(integration) {
  const server = createServer(async (request, response) => {
    const url = new URL(request.url, "http://localhost");
    const chunks = [];
    for await (const chunk of request) {
      chunks.push(chunk);
    }
    const event = {
      path: url.pathname,
      rawUrl: url.href,
      httpMethod: request.method,
      headers: request.headers,
      queryStringParameters: Object.fromEntries(url.searchParams),
      body: chunks.length ? Buffer.concat(chunks).toString("utf8") : null,
    };
    const result = await integration.baseHandler(event, {});
    response.writeHead(result.statusCode, result.headers ?? {});
    response.end(result.body ?? "");
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

export function surfaceState({ serverUrl, token, siteId, teamId, routeConfig }) {
  const find = (elements, id) => {
    for (const element of elements) {
      if (element.id === id) {
        return element;
      }
      const inner = Array.isArray(element.contents) ? find(element.contents, id) : undefined;
      if (inner) {
        return inner;
      }
    }
    return undefined;
  };
  return {
    surfaceRouteConfig: routeConfig,
    surfaceInputsData: {},
    surfaceConfig: {},
    integrationContext: { siteId, accountId: teamId, netlifyToken: token, serverUrl },
    picker: { getElementById: (id) => find(routeConfig, id) },
    fetch: (name, init = {}) => {
      const url = new URL(`/.netlify/functions/handler/${name}`, serverUrl);
      if (siteId) {
        url.searchParams.set("siteId", siteId);
      }
      if (teamId) {
        url.searchParams.set("teamId", teamId);
      }
      return fetch(url, { ...init, headers: { ...init.headers, "netlify-token": token } });
    },
  };
}

/** The surface script as the Integration UI loads it: `netlifyContext.on(event, callback)` calls. */
export function runSurfaceScript(script) {
  const callbacks = {};
  const netlifyContext = { on: (event, callback) => (callbacks[event] = callback) };
  new Function("netlifyContext", script)(netlifyContext);
  return callbacks;
}
