"""The container's command, run on this machine as the image runs it: an unprivileged user, the
image's environment, a data folder owned by that user, the secret key in a file.

No container engine is needed: the test starts `deploy/entrypoint.sh` (the file the image
copies to its ENTRYPOINT) with the image's ENV, `/data` standing for a temporary folder.
Switching user needs root; elsewhere the test is skipped (a failure under
BATON_TEST_REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
USER = "baton-entrypoint-test"
# Everything outside the data folder a new user could write to on this machine.
WRITABLE_ELSEWHERE = ["/tmp", "/var/tmp", "/run/lock", "/dev/shm"]
STARTUP_SECONDS = 90


def _containerfile() -> tuple[dict[str, str], list[str], dict[str, str]]:
    """The image's ENV, its ENTRYPOINT, and what COPY puts where."""
    env: dict[str, str] = {}
    entrypoint: list[str] = []
    copies: dict[str, str] = {}
    for line in CONTAINERFILE.read_text().splitlines():
        word, _, rest = line.partition(" ")
        if word == "ENV":
            for part in shlex.split(rest):
                key, _, value = part.partition("=")
                env[key] = value
        elif word == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif word == "COPY":
            source, target = shlex.split(rest)[-2:]
            copies[target] = source
    return env, entrypoint, copies


def _unprivileged_user() -> pwd.struct_passwd:
    if os.geteuid() != 0 or shutil.which("setpriv") is None or shutil.which("useradd") is None:
        message = "switching to an unprivileged user needs root, setpriv and useradd"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER],
            check=False,  # another run may have made it meanwhile
        )
        return pwd.getpwnam(USER)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _owned_outside(uid: int, data: Path) -> set[Path]:
    """What the user owns where it could write, other than the data folder."""
    found = subprocess.run(
        [
            "find",
            *WRITABLE_ELSEWHERE,
            "-xdev",
            "-path",
            str(data),
            "-prune",
            "-o",
            "-uid",
            str(uid),
            "-print",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return {Path(line) for line in found.stdout.splitlines()}


def _escalate_by_email(base: str) -> None:
    """A customer asks for a person while nobody is online: the escalation email goes out,
    to the local mailbox."""
    with httpx.Client(base_url=base, timeout=10) as client:
        started = client.post(
            "/api/conversations", json={"contact": {"name": "Ana", "email": "ana@example.com"}}
        ).json()
        auth = {"Authorization": f"Bearer {started['token']}"}
        sent = client.post(
            f"/api/conversations/{started['conversation']['id']}/messages",
            json={"text": "I want to talk to a person"},
            headers=auth,
        )
        assert sent.status_code == 201, sent.text


@pytest.fixture
def folders(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Path]]:
    """The data folder (the user's, like the image's /data), a working folder and a secret
    (root's, read-only, as container engines mount secrets)."""
    user = _unprivileged_user()
    base = Path(tmp_path_factory.mktemp("container"))
    base.chmod(0o755)
    data, app, secrets = base / "data", base / "app", base / "secrets"
    for folder in (data, app, secrets):
        folder.mkdir(mode=0o755)
    os.chown(data, user.pw_uid, user.pw_gid)
    data.chmod(0o700)
    (secrets / "secret_key").write_text("k" * 48 + "\n")
    (secrets / "secret_key").chmod(0o444)
    yield data, app, secrets / "secret_key"
    subprocess.run(["chown", "-R", "root:root", str(data)], check=False)


def test_the_image_command_starts_as_its_user_and_writes_only_under_data(
    folders: tuple[Path, Path, Path],
) -> None:
    data, app, secret_file = folders
    user = pwd.getpwnam(USER)
    image_env, entrypoint, copies = _containerfile()
    assert entrypoint == ["baton-entrypoint"]
    assert copies["/usr/local/bin/baton-entrypoint"] == "deploy/entrypoint.sh"
    port = _free_port()
    env = {
        **{k: v.replace("/data", str(data)) for k, v in image_env.items()},
        # The image's Python is on its PATH; here it is this test's virtual environment.
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "BATON_HOST": "127.0.0.1",
        "BATON_PORT": str(port),
        "BATON_SECRET_KEY_FILE": str(secret_file),
    }
    assert env["BATON_DATA_DIR"] == str(data) and env["HOME"] == str(data)
    before = _owned_outside(user.pw_uid, data)
    # The user's own uid and gid, no groups. It keeps only the right to read and search
    # folders (not to write): this machine's Python lives under /root, which the image's does
    # not.
    command = [
        "setpriv",
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--inh-caps=+dac_read_search",
        "--ambient-caps=+dac_read_search",
        "--",
        str(ROOT / copies["/usr/local/bin/baton-entrypoint"]),
    ]
    log_path = app.parent / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, cwd=app, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        ready = None
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
                if ready.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.3)
        assert server.poll() is None, log_path.read_text()
        assert ready is not None and ready.json()["status"] == "ready"

        status = Path(f"/proc/{server.pid}/status").read_text()
        uids = next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1:]
        assert set(uids) == {str(user.pw_uid)}
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
        assert children == []  # one process: no workers without a Redis URL

        _escalate_by_email(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(data.glob("mailbox/*.eml")):
            time.sleep(0.3)
        assert list(data.glob("mailbox/*.eml")), log_path.read_text()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    # Stopped by SIGTERM after a graceful shutdown (uvicorn exits by the signal it received).
    assert server.returncode in (0, -signal.SIGTERM), log_path.read_text()
    assert "Application shutdown complete" in log_path.read_text()
    written = {p.relative_to(data).as_posix() for p in data.rglob("*")}
    assert "baton.db" in written
    assert not list(app.iterdir())
    assert _owned_outside(user.pw_uid, data) == before
