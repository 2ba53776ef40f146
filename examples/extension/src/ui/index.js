// The UI surface on a site's integration settings page in Netlify: a button that asks the `status` API
// handler, through `surfaceState.fetch`, and shows the answer. The SDK turns each callback into source
// text that runs inside Netlify's UI, so a callback may use only its arguments: no imports, no closures.
import { NetlifyIntegrationUI } from "@netlify/sdk";

export const integrationUI = new NetlifyIntegrationUI("netlify-reconciler status");

const route = integrationUI.addSurface("integrations-settings").addRoute("/");

route.addText({
  id: "reconciler-status",
  value: "Is this site as its manifests in Git declare? Press the button to see what netlify-reconciler last found.",
});

route.addLink({
  id: "reconciler-run",
  href: "https://github.com",
  text: "Open the CI run that checked it",
  target: "_blank",
  display: "hidden",
});

route.addButton({
  id: "reconciler-check",
  title: "Show Git status",
  callback: async (surfaceState) => {
    const { fetch, picker } = surfaceState;
    const text = picker.getElementById("reconciler-status");
    const link = picker.getElementById("reconciler-run");
    const words = { in_sync: "In sync with Git", drifted: "Drifted from Git", error: "Could not be checked" };
    try {
      const response = await fetch("status");
      const status = await response.json();
      if (!response.ok) {
        text.value = status.error || `The status could not be read (HTTP ${response.status}).`;
        link.display = "hidden";
        return;
      }
      const when = String(status.checked_at).replace("T", " ").replace("Z", " UTC");
      text.value = `${words[status.state] || status.state}. ${status.summary} Checked ${when} by ${status.source}.`;
      if (typeof status.run_url === "string" && status.run_url.startsWith("https://")) {
        link.href = status.run_url;
        link.display = "visible";
      } else {
        link.display = "hidden";
      }
    } catch {
      text.value = "The status could not be read.";
      link.display = "hidden";
    }
  },
});
