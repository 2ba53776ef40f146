"""File deploys: scan a publish directory, hash it, and ship only what Netlify lacks.

`scan.local_digest` turns a directory (and a functions directory) into a `LocalDigest`; `engine.deploy`
sends it as a digest deploy (or a ZIP) and waits until Netlify serves it; `engine.restore` publishes an
earlier deploy. The rules and the failure handling are described in `docs/deploys.md`.

Submodules are not imported here, so importing one part (the scanner in `plan`, say) does not pull in the
HTTP machinery of another.
"""
