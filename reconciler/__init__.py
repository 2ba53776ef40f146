"""netlify-reconciler: declare Netlify teams and sites in YAML, plan and apply the difference."""

__version__ = "0.1.0"
