"""Each command as a plain function returning its exit code; the CLI only parses arguments."""

from reconciler.commands.adopt import export_manifests
from reconciler.commands.local import demo, emulator
from reconciler.commands.reconcile import apply, drift, merge_drift_reports, plan, validate
from reconciler.commands.serve import serve

__all__ = [
    "apply",
    "demo",
    "drift",
    "emulator",
    "export_manifests",
    "merge_drift_reports",
    "plan",
    "serve",
    "validate",
]
