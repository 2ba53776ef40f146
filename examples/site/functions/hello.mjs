// A Netlify Function, deployed as a deterministic zip by netlify-reconciler.
export default async () => new Response("Hello from the demo docs");
