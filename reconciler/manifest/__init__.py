"""Manifests: YAML files declaring teams and sites, loaded into a located DesiredState.

The entry point is `reconciler.manifest.load.load_manifests`. This package file stays empty
because `reconciler.errors` imports `reconciler.manifest.model`: re-exporting the loader here
would make that import circular.
"""
