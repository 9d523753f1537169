"""docs/nightly.md's GitHub Actions workflow works as written (issue 14, item 2): its `run:` steps, in order, in a
clean checkout, against simulated orgs, with provisioner installed the way the workflow installs it.

The YAML is read from the document itself. `${{ matrix.shard }}` takes each value of the matrix in turn,
`${{ secrets.X }}` the simulated org's value, `$PROVISIONER` the wheel built from this checkout (installed into a
fresh virtualenv first: tests/support/fresh_install.py). The `uses:` steps are played by small stand-ins:
checkout copies the user's repository (an inventory and an app spec), upload/download-artifact copy files, setup-
python and cache do nothing. Only the two browser-install steps may fail here, and only because this machine
cannot reach Playwright's download host (its output says so: the name does not resolve); provisioner then uses the
system Chromium. Any other failure of theirs fails the test; on GitHub's runners they pass like every other step.
A root machine without `sudo` gets a stand-in that runs the command as is (the runner's sudo has no password).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from provisioner.sim.app import SimOptions, start_sim

from .support.fresh_install import ROOT, fresh_install

pytestmark = pytest.mark.e2e

#: may fail on a machine that cannot reach the download host (nothing else excuses them)
BROWSER_INSTALL_STEPS = {"install Chromium", "install Chromium's system libraries"}
APP_SPEC = 'name = "Nightly CI"\napi_name = "Nightly_CI"\ncontact_email = "ci@example.test"\n'


#: what a failed download says when the machine has no way out (Node's and apt's words for an unknown host)
_OFFLINE = re.compile(r"ENOTFOUND|EAI_AGAIN|getaddrinfo|Temporary failure (in name )?resolution|Could not resolve")


def _offline(output: str) -> bool:
    return bool(_OFFLINE.search(output))


def sudo_stand_in(bin_dir: Path) -> None:
    """As root without sudo (a container), `sudo X` runs X, as on a GitHub runner where sudo needs no password."""
    if os.geteuid() == 0 and shutil.which("sudo") is None:
        sudo = bin_dir / "sudo"
        sudo.write_text('#!/bin/sh\nexec "$@"\n')
        sudo.chmod(0o755)


def workflow() -> dict:
    text = (ROOT / "docs" / "nightly.md").read_text()
    block = re.search(r"## GitHub Actions.*?```yaml\n(.*?)```", text, re.S).group(1)
    return yaml.safe_load(block)


def expand(text: str, context: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1).strip()
        if name not in context:
            raise AssertionError(f"the workflow uses ${{{{ {name} }}}}, which this test does not provide")
        return context[name]

    return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", value, text)


class Runner:
    """Plays one job's steps in a workspace of its own, like a fresh GitHub-hosted runner."""

    def __init__(self, root: Path, repo: Path, bin_dir: Path, env: dict[str, str]):
        self.root, self.repo, self.bin_dir, self.env = root, repo, bin_dir, env
        self.artifacts = root / "artifacts"
        self.log: list[tuple[str, subprocess.CompletedProcess]] = []

    def job(self, name: str, spec: dict, context: dict[str, str]) -> Path:
        workspace = self.root / f"{name}-{context.get('matrix.shard', 'single')}"
        workspace.mkdir()
        summary = workspace.parent / f"{workspace.name}.summary.md"
        for step in spec["steps"]:
            if "uses" in step:
                self.uses(step, workspace, context)
                continue
            env = dict(self.env, GITHUB_ACTIONS="true", GITHUB_STEP_SUMMARY=str(summary), CI="true",
                       PATH=f"{self.bin_dir}:{self.env['PATH']}")
            env.update({k: expand(str(v), context) for k, v in (spec.get("env") or {}).items()})
            env.update({k: expand(str(v), context) for k, v in (step.get("env") or {}).items()})
            script = expand(step["run"], context)
            proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                                  cwd=workspace, env=env, capture_output=True, text=True, timeout=600)
            label = step.get("name") or script.split()[0]
            self.log.append((expand(label, context), proc))
            if proc.returncode != 0:
                tolerated = label in BROWSER_INSTALL_STEPS and _offline(proc.stdout + proc.stderr)
                assert tolerated, f"step {label!r} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
        return workspace

    def uses(self, step: dict, workspace: Path, context: dict[str, str]) -> None:
        action = step["uses"].split("@")[0]
        options = {k: expand(str(v), context) for k, v in (step.get("with") or {}).items()}
        if action == "actions/checkout":
            shutil.copytree(self.repo, workspace, dirs_exist_ok=True)
        elif action == "actions/upload-artifact":
            target = self.artifacts / options["name"]
            for pattern in options["path"].split():
                for path in glob.glob(str(workspace / pattern)):
                    relative = Path(path).relative_to(workspace)
                    if Path(path).is_dir():
                        shutil.copytree(path, target / relative, dirs_exist_ok=True)
                    else:
                        (target / relative).parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, target / relative)
        elif action == "actions/download-artifact":
            assert options.get("merge-multiple") == "True"
            destination = workspace / options["path"]
            for artifact in sorted(self.artifacts.glob(options["pattern"])):
                for path in artifact.rglob("*"):
                    if path.is_file():  # merge-multiple: the files of every artifact, side by side
                        out = destination / path.relative_to(artifact).relative_to("out")
                        out.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy2(path, out)
        else:
            assert action in ("actions/setup-python", "actions/cache"), f"no stand-in for {action}"


@pytest.fixture(scope="module")
def sims(dovecot):
    address, imap_password = "nightly-ci@example.test", "imap-" + os.urandom(6).hex()
    dovecot.add_user(address, imap_password)
    lmtp = f"lmtp://{dovecot.imap_host}:{dovecot.lmtp_port}"
    orgs = {
        "uat": start_sim(SimOptions(latency="fast", sandbox_name="uat", mail=lmtp, admin_email=address)),
        "qa": start_sim(SimOptions(latency="fast", sandbox_name="qa", mail=lmtp, admin_email=address,
                                   admin_totp=False, unrecognised_device=True)),
    }
    yield orgs, address, imap_password
    for sim in orgs.values():
        sim.stop()


def test_the_documented_workflow_runs_in_order_and_produces_the_reports(sims, dovecot, tmp_path_factory):
    orgs, address, imap_password = sims
    installed = fresh_install(tmp_path_factory.mktemp("fresh-install"))
    root = tmp_path_factory.mktemp("workflow")
    repo = root / "repo"  # the user's repository: what actions/checkout brings
    repo.mkdir()
    (repo / "app.toml").write_text(APP_SPEC)
    entries = []
    for name, sim in orgs.items():
        info = sim.info()
        entries.append(f'[[org]]\nname = "{name}"\nlogin_url = "{info["login_url"]}"\nusername = "{info["username"]}"\n'
                       f'password_env = "SF_{name.upper()}_PASSWORD"\nsandbox = true\n'
                       'credentials = { env_file = "out/creds/{name}.env", style = "sf-cli", embed_key = "pem" }\n'
                       + ('totp_secret_env = "SF_UAT_TOTP_SECRET"\n' if info["totp_secret"] else ""))
    (repo / "inventory.toml").write_text(
        '[defaults]\nspec = "app.toml"\nconcurrency = 2\nbudget_seconds = 240\nretries = 1\noutput_dir = "out"\n\n'
        f'[defaults.mailbox]\nhost = "{dovecot.imap_host}"\nport = {dovecot.imap_port}\nssl = false\n'
        f'user = "{address}"\npassword_env = "IMAP_PASSWORD"\n\n' + "\n".join(entries))
    uat, qa = orgs["uat"].info(), orgs["qa"].info()
    secrets = {"SF_UAT_PASSWORD": uat["password"], "SF_UAT_TOTP_SECRET": uat["totp_secret"],
               "SF_QA_PASSWORD": qa["password"], "IMAP_PASSWORD": imap_password}
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("PYTHONPATH", "VIRTUAL_ENV", *secrets) and not k.startswith(("SALESFORCE_", "IMAP_"))}
    base_env["PROVISIONER"] = str(installed.wheel)  # instead of the index: the wheel of this checkout
    sudo_stand_in(installed.bin)
    runner = Runner(root, repo, installed.bin, base_env)
    flow = workflow()
    context = {"runner.os": "Linux", "env.PROVISIONER": str(installed.wheel),
               **{f"secrets.{k}": v for k, v in secrets.items()}}

    for shard in flow["jobs"]["provision"]["strategy"]["matrix"]["shard"]:
        runner.job("provision", flow["jobs"]["provision"], dict(context, **{"matrix.shard": str(shard)}))
    report_dir = runner.job("report", flow["jobs"]["report"], context)

    ran = [(label, proc.returncode) for label, proc in runner.log]
    assert [label for label, _ in ran if label.startswith("provision shard")] == [f"provision shard {k}/4"
                                                                                for k in (1, 2, 3, 4)]
    assert all(code == 0 for label, code in ran if label not in BROWSER_INSTALL_STEPS), ran
    assert ran[-1] == ("merge the shard reports", 0)
    merged = json.loads((report_dir / "out" / "report.json").read_text())
    assert {o["name"]: (o["status"], o["verified"]) for o in merged["orgs"]} == {
        "uat": ("created", True), "qa": ("created", True)}
    assert len(merged["merged_from"]) == 4 and (report_dir / "out" / "junit.xml").exists()
    summary = (root / "report-single.summary.md").read_text()
    assert "### provisioner: merged run" in summary and "| uat | created |" in summary
    every_output = "".join(proc.stdout + proc.stderr for _, proc in runner.log)
    for value in secrets.values():
        masked_in = [line for line in every_output.splitlines() if value in line]
        assert all(line.startswith("::add-mask::") for line in masked_in), f"a secret outside ::add-mask:: {masked_in}"
    provision_stderr = "".join(proc.stderr for label, proc in runner.log if label.startswith("provision shard"))
    assert f"::add-mask::{uat['password']}" in provision_stderr
    creds = list((root).glob("provision-*/out/creds/*.env"))
    assert sorted(p.name for p in creds) == ["qa.env", "uat.env"], "each org's credentials, in the shard that ran it"
