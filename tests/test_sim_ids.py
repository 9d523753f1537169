"""The simulated org's 18-character ids end in Salesforce's case-safe checksum, as real ids do."""

from __future__ import annotations

import pytest

from provisioner.sim.model import IdFactory, case_safe_suffix

#: 18-character ids of real orgs, users and records, as published in public code
REAL_IDS = ["00D000000000062EAA", "005R0000000DslaIAC", "00D3i000000swFpEAI", "00D4P000001dcb5UAA",
            "00O300000098euGEAQ", "00Df0000001PStYEAW", "00D300000008V7fEAE"]


@pytest.mark.parametrize("real", REAL_IDS)
def test_the_checksum_matches_real_ids(real):
    assert case_safe_suffix(real[:15]) == real[15:]


@pytest.mark.parametrize("prefix", ["005", "00D", "0H4", "0Ci"])
def test_every_simulated_id_carries_its_checksum(prefix):
    ids = IdFactory(seed=7)
    for _ in range(200):
        value = ids.sf_id(prefix)
        assert len(value) == 18 and value.startswith(prefix)
        assert value[15:] == case_safe_suffix(value[:15])
