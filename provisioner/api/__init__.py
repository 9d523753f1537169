"""The API path beside the browser: the app as metadata (Metadata API), its credentials over Connect REST.

The browser still logs in (MFA, device checks); its session is the API session (session.py). Nothing here drives a
page: `--via api` reconciles the same spec through the same `flows.reconcile` loop with the Areas in areas.py.
"""
