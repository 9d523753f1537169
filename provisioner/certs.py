"""The key pair for the JWT bearer flow: an RSA private key (kept here) and a self-signed X.509 certificate (uploaded
to the app). Salesforce takes any self-signed certificate; it only checks JWT signatures against its public key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .errors import CertificateError, ConfigError

KEY_FILE = "server.key"
CERT_FILE = "server.crt"
KEY_BITS = 2048

# Any PEM private key block: "PRIVATE KEY", "RSA/EC/OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY".
_PRIVATE_KEY_BLOCK = re.compile(rb"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----", re.IGNORECASE)


@dataclass(frozen=True)
class KeyPair:
    key_path: Path
    cert_path: Path
    private_key_pem: str = ""  # secret: left out of repr
    certificate_pem: str = ""
    not_after: dt.datetime | None = None
    key_file_pem: str = ""  # secret: the key file's own text (PKCS#8 or traditional, as the user wrote it)

    def __repr__(self) -> str:  # never show the private key
        return f"KeyPair(key_path={str(self.key_path)!r}, cert_path={str(self.cert_path)!r})"

    def secrets(self) -> list[str]:
        """The private key as it may leak: each PEM text and its base64 body on one line. Feed to SecretSet."""
        values: list[str] = []
        for pem in (self.private_key_pem, self.key_file_pem):
            values += pem_secret_forms(pem)
        return list(dict.fromkeys(values))


def pem_secret_forms(pem: str) -> list[str]:
    """A PEM text (stripped) and its base64 body joined into one line: the forms a key takes in logs and JSON."""
    pem = pem.strip()
    if not pem:
        return []
    body = "".join(line.strip() for line in pem.splitlines()
                   if line.strip() and not line.startswith("-----") and ":" not in line)
    return [pem, body] if body else [pem]


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    """The project's one atomic writer (provisioner/credentials.py): a temp file in the same folder, created with
    `mode`, fsynced, renamed; a crash never leaves half a key, and a temp file a killed run left is removed."""
    from .credentials import atomic_write

    atomic_write(path, data, mode)


def _self_signed(key: rsa.RSAPrivateKey, common_name: str, days: int) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))  # a little slack for clocks behind ours
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def generate_key_and_cert(out_dir: str | os.PathLike, common_name: str = "provisioner", days: int = 365,
                          *, force: bool = False) -> tuple[Path, Path]:
    """Write server.key (0600) and server.crt into `out_dir`; refuses to overwrite an existing pair unless `force`.
    The key is written first: a run killed between the two writes leaves a key alone, which complete_pair finishes."""
    if days < 1:
        raise CertificateError(f"certificate lifetime must be at least 1 day, not {days}")
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the key folder {out}: {exc.strerror or exc}") from None
    key_path, cert_path = out / KEY_FILE, out / CERT_FILE
    existing = [str(p) for p in (key_path, cert_path) if p.exists()]
    if existing and not force:
        raise CertificateError(f"{existing[0]} already exists (use --force to replace it)")

    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    cert = _self_signed(key, common_name, days)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    try:
        _write_atomically(key_path, key_pem, 0o600)
        _write_atomically(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    except OSError as exc:
        # half a pair is no pair: a key whose certificate could not be written goes too
        key_path.unlink(missing_ok=True) if not existing else None
        raise ConfigError(f"cannot write the key pair to {out}: {exc.strerror or exc}") from None
    return key_path, cert_path


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise CertificateError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise CertificateError(f"cannot read {what} {path}: {exc.strerror}") from None


def load_private_key(key_path: str | os.PathLike):
    """The RSA private key in a PEM file (unencrypted), or CertificateError naming the file."""
    path = Path(key_path)
    return _parse_private_key(path, _read(path, "private key"))


def _parse_private_key(path: Path, data: bytes):
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except TypeError:
        raise CertificateError(f"{path}: the private key is encrypted; provide it without a passphrase") from None
    except ValueError:
        raise CertificateError(f"{path} is not a PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise CertificateError(f"{path}: the JWT bearer flow needs an RSA key, not {type(key).__name__}")
    return key


def load_certificate(cert_path: str | os.PathLike) -> x509.Certificate:
    """The certificate in a PEM file. A file that also holds a private key is refused: it is meant to be uploaded,
    and a key that travels with it once is compromised (the message names the file, never its content)."""
    path = Path(cert_path)
    data = _read(path, "certificate")
    if _PRIVATE_KEY_BLOCK.search(data):
        raise CertificateError(f"{path} holds a private key: give the certificate alone (e.g. server.crt); "
                               "the private key must never be uploaded")
    try:
        return x509.load_pem_x509_certificate(data)
    except ValueError:
        raise CertificateError(f"{path} is not a PEM X.509 certificate") from None


def certificate_pem_for_upload(path: str | os.PathLike) -> str:
    """What may be uploaded to the org: the file's certificate, parsed and re-encoded as PEM. Nothing else in the
    file (a key, notes, a second block) goes along; a file holding a private key is refused (CertificateError)."""
    return certificate_pem(load_certificate(path))


def complete_pair(out_dir: str | os.PathLike, common_name: str = "provisioner", days: int = 365) -> bool:
    """Finish a generated pair that a killed run left half-written: server.key without server.crt gets its
    certificate (made for that key). True when it made one. Anything else (both, neither, a certificate alone, a key
    that is not one) is left for load_pair to judge."""
    out = Path(out_dir)
    key_path, cert_path = out / KEY_FILE, out / CERT_FILE
    if not key_path.is_file() or cert_path.exists() or cert_path.is_symlink():
        return False
    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return False
    if not isinstance(key, rsa.RSAPrivateKey):
        return False
    cert = _self_signed(key, common_name, days)
    try:
        _write_atomically(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    except OSError as exc:
        raise ConfigError(f"cannot write the certificate {cert_path}: {exc.strerror or exc}") from None
    return True


def load_pair(key_path: str | os.PathLike, cert_path: str | os.PathLike) -> KeyPair:
    """Check a pair before it is uploaded: PEM X.509 without a private key in it, not expired, and made for this
    private key."""
    key_file = Path(key_path)
    key_data = _read(key_file, "private key")
    key = _parse_private_key(key_file, key_data)
    cert = load_certificate(cert_path)
    now = dt.datetime.now(dt.timezone.utc)
    not_after = cert.not_valid_after_utc
    if not_after <= now:
        raise CertificateError(f"{cert_path} expired on {not_after:%Y-%m-%d}; create a new one with `provisioner cert`")
    if cert.not_valid_before_utc > now + dt.timedelta(minutes=5):
        raise CertificateError(f"{cert_path} is not valid before {cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC")
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    if (cert.public_key().public_bytes(serialization.Encoding.PEM, public)
            != key.public_key().public_bytes(serialization.Encoding.PEM, public)):
        raise CertificateError(f"{cert_path} does not belong to the private key {key_path}")
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption()).decode()
    return KeyPair(Path(key_path), Path(cert_path), key_pem, certificate_pem(cert), not_after,
                   key_file_pem=key_data.decode("utf-8", errors="replace"))


def certificate_pem(cert: x509.Certificate | str | os.PathLike) -> str:
    """The PEM text of a certificate (object, or path to a PEM file) as the upload field takes it."""
    if not isinstance(cert, x509.Certificate):
        cert = load_certificate(cert)
    return cert.public_bytes(serialization.Encoding.PEM).decode()
