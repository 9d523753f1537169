"""Verification-code pickup: seconds from the mail server accepting a message to the code being returned, with
IMAP IDLE (provisioner/mail.py CodeWaiter) beside a 5-second polling loop watching the same mailbox in the same run.

Each code: both watchers connect first (as the tool does before asking for a code), the message is handed to the
server after a random 0-5 s (so the poll loop's phase is random), and each watcher's pickup is timed from the
server's acceptance (SMTP/LMTP 250). Usage: python -m bench pickup [--codes 20] [--server embedded --server dovecot]
"""

from __future__ import annotations

import json
import random
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from imapclient import IMAPClient

ROOT = Path(__file__).resolve().parents[1]
POLL_SECONDS = 5.0
ADDRESS = "admin@bench.test"


def _message(code: str):
    sys.path.insert(0, str(ROOT))
    from provisioner.sim.mailer import SUBJECT, build_message

    return build_message(ADDRESS, SUBJECT, f"Verification Code: {code}\n\nUsername: {ADDRESS}\n", f"<p>{code}</p>")


class Poller(threading.Thread):
    """The naive way: every 5 s, look for a new message above the UID we started from."""

    def __init__(self, host: str, port: int, user: str, password: str):
        super().__init__(daemon=True)
        self.client = IMAPClient(host, port, ssl=False, timeout=30)
        self.client.login(user, password)
        self.baseline = int(self.client.select_folder("INBOX")[b"UIDNEXT"])
        self.stop = threading.Event()
        self.found_at: float | None = None

    def run(self) -> None:
        while not self.stop.is_set():
            self.client.noop()
            if [uid for uid in self.client.search(["UID", f"{self.baseline}:*"]) if uid >= self.baseline]:
                self.found_at = time.time()
                break
            self.stop.wait(POLL_SECONDS)  # the polling interval under comparison
        self.client.logout()


def one_code(settings, deliver, imap: tuple[str, int, str, str], rng: random.Random) -> tuple[float, float]:
    from provisioner.mail import CodeWaiter

    code = f"{rng.randrange(10**6):06d}"
    returned: dict[str, float] = {}
    with CodeWaiter(settings, recipient=ADDRESS) as waiter:
        poller = Poller(*imap)

        def idle() -> None:
            if waiter.wait(timeout=60) == code:
                returned["idle"] = time.time()

        idler = threading.Thread(target=idle, daemon=True)
        idler.start()
        poller.start()
        time.sleep(rng.uniform(0, POLL_SECONDS))  # the mail's travel: puts delivery at a random poll phase
        deliver(_message(code))
        accepted = time.time()
        idler.join(60)
        poller.join(60)
        poller.stop.set()
    if "idle" not in returned or poller.found_at is None:
        raise SystemExit("a watcher missed the code")
    return returned["idle"] - accepted, poller.found_at - accepted


def _smtp(host: str, port: int, lmtp: bool):
    def deliver(msg) -> None:
        with (smtplib.LMTP if lmtp else smtplib.SMTP)(host, port, timeout=30) as client:
            client.send_message(msg, from_addr="noreply@salesforce.com", to_addrs=[ADDRESS])
    return deliver


def measure(server: str, codes: int, seed: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from provisioner.config import mailbox_settings_from

    rng = random.Random(seed)
    if server == "embedded":
        from provisioner.sim.embedded_mail import EmbeddedMailbox

        box = EmbeddedMailbox(seed=seed)
        info = box.start()
        imap = (info.imap_host, info.imap_port, info.imap_user, info.imap_password)
        deliver, stop = _smtp(info.smtp_host, info.smtp_port, lmtp=False), box.stop
    else:
        sys.path.insert(0, str(ROOT / "tests" / "support"))
        from tests.support.dovecot import Dovecot

        dovecot = Dovecot.start(tempfile.mkdtemp(prefix="bench-dovecot-"))
        dovecot.add_user(ADDRESS, "bench-password")
        imap = (dovecot.imap_host, dovecot.imap_port, ADDRESS, "bench-password")
        deliver, stop = _smtp(dovecot.lmtp_host, dovecot.lmtp_port, lmtp=True), dovecot.stop
    settings = mailbox_settings_from(host=imap[0], port=imap[1], user=imap[2], password=imap[3], ssl=False)
    idle, poll = [], []
    try:
        for _ in range(codes):
            a, b = one_code(settings, deliver, imap, rng)
            idle.append(a)
            poll.append(b)
    finally:
        stop()
    return {"server": server, "codes": codes,
            "idle": {"median": round(statistics.median(idle), 3), "worst": round(max(idle), 3)},
            "poll_5s": {"median": round(statistics.median(poll), 3), "worst": round(max(poll), 3)},
            "idle_seconds": [round(x, 3) for x in idle], "poll_seconds": [round(x, 3) for x in poll]}


def main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench pickup", description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=20)
    parser.add_argument("--server", action="append", choices=["embedded", "dovecot"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "pickup.json")
    args = parser.parse_args(argv)
    rows = [measure(server, args.codes, args.seed) for server in args.server or ["embedded", "dovecot"]]
    print("| server | codes | IDLE median s | IDLE worst s | 5 s poll median s | 5 s poll worst s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['server']} | {r['codes']} | {r['idle']['median']} | {r['idle']['worst']} | "
              f"{r['poll_5s']['median']} | {r['poll_5s']['worst']} |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(f"JSON: {args.json}")
    return 0
