"""A local Netlify API emulator: same paths, JSON shapes and status codes, state kept in SQLite.

Start one with `EmulatorServer(data_dir, tokens=[...]).start()` or the `netlify-reconciler emulator`
command (`serve`). Tokens are registered with `Store.register_token` or through a seed file.
"""

from reconciler.emulator.app import API_PREFIX, EmulatorOptions, build_app
from reconciler.emulator.seed import SeedError, SeedToken, apply_seed, load_seed
from reconciler.emulator.server import EmulatorServer, EmulatorStartError, serve
from reconciler.emulator.store import Store

__all__ = [
    "API_PREFIX",
    "EmulatorOptions",
    "EmulatorServer",
    "EmulatorStartError",
    "SeedError",
    "SeedToken",
    "Store",
    "apply_seed",
    "build_app",
    "load_seed",
    "serve",
]
