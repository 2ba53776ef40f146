"""Owner statuses: computed from a plan (`build`), published into an integration's context (`publish`).

Imports the plan and the client, and is imported only by the commands and by `serve`: the pipeline
(manifests, live state, plan, apply) never depends on it.
"""
