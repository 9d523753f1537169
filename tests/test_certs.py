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

from provisioner.certs import (certificate_pem, certificate_pem_for_upload, generate_key_and_cert, load_certificate,
                               load_pair)
from provisioner.cli import main
from provisioner.commands.cert import EXIT_NOTHING_TO_DO
from provisioner.errors import CertificateError
from provisioner.redact import SecretSet


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
    shaped = json.loads(result.output)
    out = shaped["result"]
    assert shaped["status"] == 0 and out["action"] == "created" and out["key"].endswith("server.key")
    again = runner.invoke(main, ["cert", "--out-dir", str(tmp_path)])
    assert again.exit_code == EXIT_NOTHING_TO_DO and "nothing to do" in again.output and "--force" in again.output
    again_json = runner.invoke(main, ["cert", "--out-dir", str(tmp_path), "--json"])
    nothing = json.loads(again_json.stdout)
    assert again_json.exit_code == EXIT_NOTHING_TO_DO == nothing["status"] and nothing["result"]["action"] == "exists"
    forced = runner.invoke(main, ["cert", "--out-dir", str(tmp_path), "--force"])
    assert forced.exit_code == 0 and "server.crt" in forced.output
    checked = runner.invoke(main, ["cert", "--key", out["key"], "--cert", out["cert"]])
    assert checked.exit_code == 0 and "checked" in checked.output
    mismatch = runner.invoke(main, ["cert", "--key", out["key"], "--cert", str(tmp_path / "nope.crt")])
    assert mismatch.exit_code == CertificateError.exit_code
    assert mismatch.output.count("\n") == 1 and "Traceback" not in mismatch.output


def test_cert_on_an_existing_pair_that_no_longer_matches_is_a_certificate_error(tmp_path):
    runner = CliRunner()
    assert runner.invoke(main, ["cert", "--out-dir", str(tmp_path / "a")]).exit_code == 0
    assert runner.invoke(main, ["cert", "--out-dir", str(tmp_path / "b")]).exit_code == 0
    (tmp_path / "a" / "server.crt").write_bytes((tmp_path / "b" / "server.crt").read_bytes())
    result = runner.invoke(main, ["cert", "--out-dir", str(tmp_path / "a")])
    assert result.exit_code == CertificateError.exit_code and "Traceback" not in result.output


# --- a certificate file must never carry a private key to the org (issue 17, item 1) ------------------------------


def _combined(tmp_path, pair, *, key_first=True, encrypted=False):
    """One PEM holding the key and the certificate, as `cat server.key server.crt > bundle.pem` makes it."""
    key_pem = pair[0].read_bytes()
    if encrypted:
        key = serialization.load_pem_private_key(key_pem, password=None)
        key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.BestAvailableEncryption(b"passphrase"))
    cert_pem = pair[1].read_bytes()
    path = tmp_path / ("encrypted.pem" if encrypted else "bundle.pem")
    path.write_bytes(key_pem + cert_pem if key_first else cert_pem + key_pem)
    return path


@pytest.mark.parametrize("key_first, encrypted", [(True, False), (False, False), (True, True), (False, True)])
def test_a_certificate_file_holding_a_private_key_is_refused_without_showing_it(pair, tmp_path, key_first, encrypted):
    bundle = _combined(tmp_path, pair, key_first=key_first, encrypted=encrypted)
    key_body = [line for line in bundle.read_text().splitlines() if line and not line.startswith("-----")]
    for check in (certificate_pem_for_upload, certificate_pem, load_certificate,
                  lambda path: load_pair(pair[0], path)):
        with pytest.raises(CertificateError, match="private key") as info:
            check(bundle)
        message = str(info.value)
        assert str(bundle) in message and "\n" not in message
        assert not any(line in message for line in key_body)


def test_the_upload_is_the_parsed_certificate_re_encoded(pair, tmp_path):
    # Text around the PEM block (a comment, `openssl x509 -text` output) is not uploaded: only the certificate.
    noisy = tmp_path / "noisy.crt"
    noisy.write_text("Subject: CN=ci.example\nsome notes\n" + pair[1].read_text() + "trailing words\n")
    uploaded = certificate_pem_for_upload(noisy)
    assert uploaded == pair[1].read_text()
    assert x509.load_pem_x509_certificate(uploaded.encode()).subject == \
        x509.load_pem_x509_certificate(pair[1].read_bytes()).subject
    assert "notes" not in uploaded and "trailing" not in uploaded


def test_upload_check_names_missing_and_non_certificate_files(pair, tmp_path):
    with pytest.raises(CertificateError, match="not found"):
        certificate_pem_for_upload(tmp_path / "missing.crt")
    with pytest.raises(CertificateError, match="private key"):
        certificate_pem_for_upload(pair[0])  # the key file given as the certificate
    junk = tmp_path / "junk.crt"
    junk.write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with pytest.raises(CertificateError, match=f"{junk} is not a PEM X.509 certificate"):
        certificate_pem_for_upload(junk)


def test_key_pair_secrets_cover_the_key_pem_and_its_base64_body(pair):
    loaded = load_pair(*pair)
    secrets = loaded.secrets()
    file_text = pair[0].read_text()
    body = "".join(line for line in file_text.splitlines() if not line.startswith("-----"))
    assert file_text.strip() in secrets and body in secrets
    assert loaded.private_key_pem.strip() in secrets
    assert loaded.certificate_pem not in secrets  # public: nothing to hide
    masked = SecretSet(secrets).mask(f"dump: {file_text} and {json.dumps(file_text)} and {{'der': '{body}'}}")
    assert "PRIVATE KEY" not in masked and body[100:200] not in masked


def test_a_key_left_alone_by_a_killed_run_gets_its_certificate(tmp_path):
    """A run killed between writing server.key and server.crt: the pair is finished from the key, not refused."""
    from provisioner.certs import complete_pair

    key_path, cert_path = generate_key_and_cert(tmp_path, "ci.example", 30)
    key_text = key_path.read_text()
    assert not complete_pair(tmp_path)  # a whole pair: nothing to do
    cert_path.unlink()
    assert complete_pair(tmp_path, "ci.example")
    pair = load_pair(key_path, cert_path)  # matches the key that was there
    assert key_path.read_text() == key_text and pair.not_after > dt.datetime.now(dt.timezone.utc)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["server.crt", "server.key"]
    key_path.unlink()
    assert not complete_pair(tmp_path) and not key_path.exists()  # a certificate alone cannot be finished
    (tmp_path / "server.crt").unlink()
    (tmp_path / "server.key").write_text("not a key\n")
    assert not complete_pair(tmp_path) and not cert_path.exists()
