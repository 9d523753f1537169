"""One run's SecretSet is shared by threads: verify masks its log lines in a worker thread while another org's flow
adds the secret it just read. Masking must never fail because the set grew under it."""

from __future__ import annotations

import threading

from provisioner.redact import SecretSet


def test_masking_while_another_thread_adds_secrets_never_fails():
    secrets = SecretSet(["first-secret-value"])
    errors: list[BaseException] = []
    done = threading.Event()

    def mask_all_the_time() -> None:
        try:
            while not done.is_set():
                secrets.mask("a line with first-secret-value in it")
                "first-secret-value" in secrets  # noqa: B015 - the containment check iterates too
                list(secrets)
                secrets.forms()
        except BaseException as exc:  # noqa: BLE001 - what the test looks for
            errors.append(exc)

    readers = [threading.Thread(target=mask_all_the_time) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for n in range(20_000):
            secrets.add(f"secret-number-{n:05d}")
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert "secret-number-19999" not in secrets.mask("a line with secret-number-19999 in it")
