# Fixtures live in tests/support/*, one module per real part (mail server, browser, simulated org).
pytest_plugins = [
    "tests.support.dovecot_fixture",
    "tests.support.browser_fixture",
    "tests.support.sim_fixture",
    "tests.support.ci_gate",
    "tests.support.secrets_scan",
    "pytester",  # tests/test_secrets_scan.py runs a test that leaks, to see the scan fail it
]

