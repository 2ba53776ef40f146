"""`netlify-reconciler serve`: a Netlify API-handler service and a fleet status page.

`checks` keeps each declared owner's latest check (status and plan), `access` decides what a caller's
Netlify token may see, `handlers` answers `surfaceState.fetch("status" | "plan" | "drift")` calls at
`/.netlify/functions/handler/{name}`, `page` renders the status page, `app` puts them on one Starlette
application and `server` runs it. It imports the session, the plan and the status parts and is imported
by nothing but the `serve` command, which checks for its web stack (the `serve` extra) first.
"""
