"""Key pairs: what `provisioner cert` creates, and what it refuses when checking a user's own pair."""

from __future__ import annotations

import datetime as dt
import json
import stat

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from provisioner.certs import certificate_pem, generate_key_and_cert, load_pair
from provisioner.cli import main
from provisioner.errors import CertificateError


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    return generate_key_and_cert(tmp_path_factory.mktemp("pair"), "ci.example", 30)


def test_generated_pair_loads_and_key_is_private(pair):
    key_path, cert_path = pair
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    loaded = load_pair(key_path, cert_path)
    assert loaded.certificate_pem.startswith("-----BEGIN CERTIFICATE-----")
    assert "PRIVATE KEY" not in repr(loaded)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "ci.example"
    assert cert.public_key().key_size == 2048
    assert 29 <= (cert.not_valid_after_utc - dt.datetime.now(dt.timezone.utc)).days <= 30
    assert certificate_pem(cert_path) == cert_path.read_text()


def test_existing_pair_is_not_overwritten_without_force(pair):
    key_path, _ = pair
    before = key_path.read_bytes()
    with pytest.raises(CertificateError, match="already exists"):
        generate_key_and_cert(key_path.parent)
    assert key_path.read_bytes() == before


def test_mismatched_pair_is_refused(pair, tmp_path):
    other_key, _ = generate_key_and_cert(tmp_path, "other")
    with pytest.raises(CertificateError, match="does not belong to the private key") as info:
        load_pair(other_key, pair[1])
    assert str(pair[1]) in str(info.value)


def test_expired_certificate_is_refused(tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=30)).not_valid_after(now - dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    key_path, cert_path = tmp_path / "old.key", tmp_path / "old.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(CertificateError, match="expired"):
        load_pair(key_path, cert_path)


def test_non_pem_files_are_refused_naming_the_file(pair, tmp_path):
    der = tmp_path / "cert.der"
    der.write_bytes(x509.load_pem_x509_certificate(pair[1].read_bytes()).public_bytes(serialization.Encoding.DER))
    with pytest.raises(CertificateError, match=f"{der} is not a PEM X.509 certificate"):
        load_pair(pair[0], der)
    junk = tmp_path / "junk.key"
    junk.write_text("hello")
    with pytest.raises(CertificateError, match=f"{junk} is not a PEM private key"):
        load_pair(junk, pair[1])
    with pytest.raises(CertificateError, match="not found"):
        load_pair(tmp_path / "missing.key", pair[1])


def test_cert_command_creates_and_checks(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["cert", "--out-dir", str(tmp_path), "--common-name", "me", "--days", "10", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["action"] == "created" and out["key"].endswith("server.key")
    again = runner.invoke(main, ["cert", "--out-dir", str(tmp_path)])
    assert again.exit_code == CertificateError.exit_code and "--force" in again.output
    forced = runner.invoke(main, ["cert", "--out-dir", str(tmp_path), "--force"])
    assert forced.exit_code == 0 and "server.crt" in forced.output
    checked = runner.invoke(main, ["cert", "--key", out["key"], "--cert", out["cert"]])
    assert checked.exit_code == 0 and "checked" in checked.output
    mismatch = runner.invoke(main, ["cert", "--key", out["key"], "--cert", str(tmp_path / "nope.crt")])
    assert mismatch.exit_code == CertificateError.exit_code
    assert mismatch.output.count("\n") == 1 and "Traceback" not in mismatch.output
