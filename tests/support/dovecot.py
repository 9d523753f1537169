"""A real Dovecot (IMAP + LMTP on loopback) run from a private config in a temp dir, for tests.

Nothing is shared with a system Dovecot: base_dir, state, mail, users and the log all live under `tmpdir`.
Dovecot must be started as root (it drops to `dovecot` / `dovenull` itself).
"""

from __future__ import annotations

import os
import pwd
import grp
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

DOVECOT_BIN = shutil.which("dovecot") or "/usr/sbin/dovecot"


class DovecotUnavailable(RuntimeError):
    pass


def dovecot_installed() -> bool:
    return Path(DOVECOT_BIN).exists() and Path("/usr/lib/dovecot/imap").exists() and Path("/usr/lib/dovecot/lmtp").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class TlsFiles:
    """The server's certificate chain and key (PEM files); with them Dovecot offers STARTTLS and an imaps port."""

    cert_file: Path
    key_file: Path


def _tls_settings(tls: TlsFiles | None) -> str:
    if tls is None:
        return "ssl = no"
    # `<path`: Dovecot reads the file's content (as root, at start); the key never reaches the mail processes.
    return f"ssl = yes\nssl_cert = <{tls.cert_file}\nssl_key = <{tls.key_file}\nssl_min_protocol = TLSv1.2"


@dataclass(frozen=True)
class OAuth2Passdb:
    """Log-ins by OAuth2 bearer token only (SASL XOAUTH2 / OAUTHBEARER), checked by Dovecot's oauth2 passdb against
    an RFC 7662 introspection endpoint (POST token=...; `active` true and `username` naming the login user)."""

    introspection_url: str


def _auth_settings(root: Path, oauth2: OAuth2Passdb | None) -> str:
    if oauth2 is None:
        return f"""auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  # One file per user: Dovecot re-reads a changed passwd-file at most once a second, a new file at once.
  args = scheme=PLAIN username_format=%Lu {root}/users/%Lu
}}"""
    # Like Microsoft 365 with basic authentication off: no password mechanism at all.
    (root / "dovecot-oauth2.conf.ext").write_text(f"""introspection_mode = post
introspection_url = {oauth2.introspection_url}
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 10000
""")
    return f"""auth_mechanisms = xoauth2 oauthbearer
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}"""


def _config(root: Path, imap_port: int, lmtp_port: int, uid: int, gid: int, imaps_port: int = 0,
            tls: TlsFiles | None = None, oauth2: OAuth2Passdb | None = None) -> str:
    return f"""
# Private test instance: nothing here touches the system Dovecot.
protocols = imap lmtp
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = test-{imap_port}
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
default_login_user = dovenull
default_internal_user = dovecot
{_tls_settings(tls)}
disable_plaintext_auth = no
mail_location = maildir:{root}/mail/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = 0
auth_username_format = %Lu
auth_verbose = yes
# A wrong password is answered at once (tests check that case; the default 2 s delay only slows them).
auth_failure_delay = 0
# Tests wait on IDLE: push notifications quickly.
mailbox_idle_check_interval = 1 secs
lmtp_save_to_detail_mailbox = no
recipient_delimiter =
postmaster_address = postmaster@example.test
{_auth_settings(root, oauth2)}
# With the oauth2 passdb (which only answers token log-ins) LMTP cannot ask a passdb whether a user exists.
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u{" allow_all_users=yes" if oauth2 else ""}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = {"yes" if tls else "no"}
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp_port}
  }}
  unix_listener lmtp {{
    mode = 0600
  }}
}}
# Tests log in with wrong passwords on purpose; Dovecot's per-IP auth penalty would then delay every following
# login from 127.0.0.1 by seconds. The auth process skips the penalty when it cannot reach anvil's socket.
service auth {{
  user = dovecot
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0600
  }}
  unix_listener stats-writer {{
    mode = 0600
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    imap_port: int
    lmtp_port: int
    imap_host: str = "127.0.0.1"
    #: 0 unless started with `tls`: then IMAP over TLS from the first byte here, and STARTTLS on imap_port
    imaps_port: int = 0
    tls: TlsFiles | None = None
    #: set when started with `oauth2`: log-ins take a bearer token, never a password
    oauth2: OAuth2Passdb | None = None
    _users: dict[str, str] = field(default_factory=dict)

    @property
    def lmtp_host(self) -> str:
        return self.imap_host

    @property
    def log_path(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def config_path(self) -> Path:
        return self.root / "dovecot.conf"

    @classmethod
    def start(cls, tmpdir: str | os.PathLike, timeout: float = 15.0, *, tls: TlsFiles | None = None,
              oauth2: OAuth2Passdb | None = None) -> "Dovecot":
        if not dovecot_installed():
            raise DovecotUnavailable("dovecot is not installed (apt-get install dovecot-imapd dovecot-lmtpd)")
        if os.geteuid() != 0:
            raise DovecotUnavailable("a private Dovecot must be started as root")
        root = Path(tmpdir).resolve()
        root.mkdir(parents=True, exist_ok=True)
        uid = pwd.getpwnam("dovecot").pw_uid
        gid = grp.getgrnam("dovecot").gr_gid
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir(exist_ok=True)
        # Dovecot's mail processes run as `dovecot`: the path to the mail must be reachable by it.
        for directory in [root, *root.parents]:
            mode = directory.stat().st_mode
            if not mode & 0o001:
                os.chmod(directory, mode | 0o001)
            if directory == Path("/tmp") or directory == Path("/"):
                break
        os.chown(root / "mail", uid, gid)
        os.chown(root / "home", uid, gid)
        (root / "users").mkdir(exist_ok=True)
        os.chmod(root / "users", 0o755)  # read by the auth process (runs as dovecot)

        server = cls(root=root, imap_port=_free_port(), lmtp_port=_free_port(),
                     imaps_port=_free_port() if tls else 0, tls=tls, oauth2=oauth2)
        server.config_path.write_text(_config(root, server.imap_port, server.lmtp_port, uid, gid,
                                              server.imaps_port, tls, oauth2))
        # The daemon keeps inherited fds open: send its output to a file, not a pipe we would wait on.
        with open(root / "startup.out", "w+") as out:
            result = subprocess.run(
                [DOVECOT_BIN, "-c", str(server.config_path)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
            )
            out.seek(0)
            startup_output = out.read().strip()
        if result.returncode != 0:
            raise RuntimeError(f"dovecot failed to start: {startup_output}\n{server._log_tail()}")
        server._wait_listening(timeout)
        return server

    def _wait_listening(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = {port for port in (self.imap_port, self.lmtp_port, self.imaps_port) if port}
        while pending:
            for port in list(pending):
                try:
                    socket.create_connection((self.imap_host, port), timeout=1).close()
                    pending.discard(port)
                except OSError:
                    pass
            if pending and time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"dovecot did not listen on {sorted(pending)}\n{self._log_tail()}")
            if pending:
                time.sleep(0.05)  # waiting for a child process to bind: nothing to subscribe to

    def _log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no dovecot log)"

    def add_user(self, address: str, password: str) -> None:
        """Add a login (address is both the IMAP user and the LMTP recipient). passwd-file is re-read on change."""
        address = address.lower()
        if ":" in address or "/" in address or ":" in password or "\n" in password:
            raise ValueError("passwd-file entries cannot contain ':', '/' or newlines")
        self._users[address] = password
        tmp = self.root / "users" / f".{address}.tmp"
        tmp.write_text(f"{address}:{{PLAIN}}{password}::::::\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, self.root / "users" / address)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop this instance and every process it started (it is a session leader: one process group)."""
        try:
            pid = int((self.root / "run" / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return  # never started, or already gone
        # SIGTERM to the whole group at once. anvil and log ignore it and the master then waits ~5 s for them;
        # this is a throwaway test instance (LMTP has already fsynced every delivery), so SIGKILL what is left.
        if not _signal_group(pid, signal.SIGTERM):
            return
        grace = time.monotonic() + 0.5
        while _alive(pid) and time.monotonic() < grace:
            time.sleep(0.02)  # waiting for processes to exit: nothing to subscribe to
        _signal_group(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)


def _signal_group(pid: int, sig: int) -> bool:
    try:
        os.killpg(pid, sig)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:  # not a group leader after all: signal the master only
        os.kill(pid, sig)
        return True


def _alive(pid: int) -> bool:
    """True while the process runs (a zombie waiting for its parent, here init, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
