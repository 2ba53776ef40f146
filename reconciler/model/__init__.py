"""The shared vocabulary: locations, errors, sensitive values, changes, requests, live state, the ledger.

Every other part (manifest, netlify, resources, plan, apply, live reading) imports these types; this
package imports nothing else of ours, so no part needs another just to name a Change or a Request.
"""
