"""Bring up and tear down a real single-node SLURM cluster for tests.

The cluster is the same stack a production site runs, shrunk to one machine:
munged (authentication), MariaDB + slurmdbd (accounting, so Snakemake's SLURM
plugin polls job states with ``sacct``), slurmctld (controller) and slurmd (the
one compute node). It needs root and Debian's packages; :func:`start_cluster`
raises :class:`ClusterUnavailableError` with a reason whenever the machine cannot host
it, so callers can ``pytest.skip`` with that reason instead of passing silently.

Every daemon runs in the foreground as a child of this process, with its state,
logs and sockets in a private directory. The only files written outside that
directory are ``/etc/slurm/slurm.conf`` and ``/etc/slurm/slurmdbd.conf`` (the
plugin clears ``SLURM_CONF`` before it calls ``srun`` inside a job, so the
configuration must be at the compiled-in default path) and munged's socket at
its default path (clients' connections to slurmdbd ignore ``AuthInfo=socket=``).
A machine whose /etc/slurm already holds another installation's files is
refused. :meth:`SlurmCluster.stop` kills every daemon it started by PID and
removes those files; it is called on failure too, and daemons left by a run
killed before its teardown are reaped by PID at the next start.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

SLURM_CONF = Path("/etc/slurm/slurm.conf")
SLURMDBD_CONF = Path("/etc/slurm/slurmdbd.conf")
MUNGE_SOCKET = Path("/run/munge/munge.socket.2")
CLUSTER_NAME = "cfdnatest"
# First line of the configs written here; any other file at those paths is left alone.
CONF_MARKER = "# Written by tests/cluster/slurm.py for a throw-away single-node test cluster."
# Prefix of the private state directories (under the system temporary directory).
STATE_PREFIX = "cfdna-slurm-"
PARTITION = "debug"
ACCOUNT = "cfdna"
APT_PACKAGES = ("slurm-wlm", "munge", "slurmdbd", "mariadb-server")
# One binary per package: if all are on PATH, nothing needs installing.
REQUIRED_BINARIES = {
    "slurmctld": "slurm-wlm",
    "slurmd": "slurm-wlm",
    "sbatch": "slurm-wlm",
    "sacct": "slurm-wlm",
    "sacctmgr": "slurm-wlm",
    "munged": "munge",
    "mungekey": "munge",
    "slurmdbd": "slurmdbd",
    "mariadbd": "mariadb-server",
    "mariadb-install-db": "mariadb-server",
    "mariadb": "mariadb-server",
}
# Daemons are stopped in this order (reverse of start-up).
SACCT_FIELDS = ("JobID", "JobName", "Partition", "Account", "State", "ExitCode", "Comment")
STOP_ORDER = ("slurmd", "slurmctld", "slurmdbd", "munged", "mariadbd")


class ClusterUnavailableError(RuntimeError):
    """This machine cannot host the test cluster; the message says why."""


@dataclass
class SlurmCluster:
    """A running single-node SLURM cluster and everything needed to stop it."""

    state_dir: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    node_name: str = ""
    node_cpus: int = 1

    @property
    def log_dir(self) -> Path:
        return self.state_dir / "log"

    @property
    def pids(self) -> dict[str, int]:
        """PID of each daemon started, by daemon name."""
        return {name: proc.pid for name, proc in self.procs.items()}

    def spawn(self, name: str, argv: list[str], user: str | None = None) -> subprocess.Popen[bytes]:
        """Start one daemon in the foreground, log to log/NAME.log, record its PID."""
        log = (self.log_dir / f"{name}.log").open("ab")
        group = pwd.getpwnam(user).pw_gid if user else None
        try:
            proc = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                user=user,
                group=group,
                extra_groups=[] if user else None,
            )
        finally:
            log.close()
        self.procs[name] = proc
        record = {"owner": os.getpid(), **self.pids}
        (self.state_dir / "pids.json").write_text(json.dumps(record, indent=2) + "\n")
        return proc

    def check_alive(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is not None:
            raise ClusterUnavailableError(
                f"{name} exited with code {proc.returncode} during start-up:\n"
                + self.log_tail(name)
            )

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return f"(no {path})"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def sacct_jobs(self, since_epoch: float) -> list[dict[str, str]]:
        """Jobs (allocations, not steps) that accounting recorded since a time.

        Each job is a dict keyed by SACCT_FIELDS; "Rule" is added, parsed from the
        comment the Snakemake plugin gives each job ("rule_NAME[_wildcards_...]").
        """
        start = time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(since_epoch - 1))
        out = run(
            [
                "sacct",
                "-X",
                "-n",
                "-P",
                "-a",
                f"--starttime={start}",
                f"--format={','.join(SACCT_FIELDS)}",
            ],
            timeout=30,
        ).stdout
        keys = SACCT_FIELDS
        jobs = [dict(zip(keys, line.split("|"), strict=True)) for line in out.splitlines()]
        for job in jobs:
            match = re.match(r"rule_(.+?)(?:_wildcards_.*)?$", job["Comment"])
            job["Rule"] = match.group(1) if match else ""
        return jobs

    def stop(self) -> None:
        """Cancel jobs, kill every daemon this cluster started by PID, remove its /etc files."""
        if self.procs.get("slurmctld") and self.procs["slurmctld"].poll() is None:
            with contextlib.suppress(Exception):
                run(["scancel", "--full", "--state=PENDING,RUNNING", "-u", "root"], timeout=10)
                wait_for(lambda: not squeue_ids(), timeout=20, what="jobs to be cancelled")
        for name in STOP_ORDER:
            proc = self.procs.get(name)
            if proc is not None:
                _terminate(proc)
        self.procs.clear()
        # All stopped: nothing for a later start to reap (the logs stay for reading).
        (self.state_dir / "pids.json").unlink(missing_ok=True)
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written.clear()


def _terminate(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds; only this PID, never by name."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=grace)


def run(argv: list[str], timeout: float, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command with a bound on its time; raise ClusterUnavailableError on failure."""
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClusterUnavailableError(f"{argv[0]} failed: {exc}") from exc
    if check and result.returncode != 0:
        raise ClusterUnavailableError(
            f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()}"
        )
    return result


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.5
) -> None:
    """Poll `predicate` until true; raise ClusterUnavailableError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise ClusterUnavailableError(f"timed out after {timeout:.0f} s waiting for {what}")


def squeue_ids() -> list[str]:
    out = run(["squeue", "-h", "-o", "%i"], timeout=10, check=False).stdout
    return out.split()


def missing_packages() -> list[str]:
    """Debian packages whose binaries are not on PATH (sbin included)."""
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    missing = {pkg for exe, pkg in REQUIRED_BINARIES.items() if not shutil.which(exe, path=path)}
    return sorted(missing)


def ensure_packages(timeout: float = 600) -> None:
    """Install the SLURM stack with apt-get if any of it is missing."""
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0:
        raise ClusterUnavailableError(f"not root, cannot install {', '.join(missing)}")
    if not shutil.which("apt-get"):
        raise ClusterUnavailableError(f"no apt-get to install {', '.join(missing)}")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    deadline = time.monotonic() + timeout
    for argv in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES],
    ):
        remaining = deadline - time.monotonic()
        try:
            result = subprocess.run(
                argv, capture_output=True, text=True, env=env, timeout=max(remaining, 1)
            )
        except subprocess.TimeoutExpired as exc:
            raise ClusterUnavailableError(f"{' '.join(argv)} took over {timeout:.0f} s") from exc
        if result.returncode != 0:
            raise ClusterUnavailableError(
                f"{' '.join(argv)} exited {result.returncode}: {result.stderr.strip()[-500:]}"
            )
    still = missing_packages()
    if still:
        raise ClusterUnavailableError(f"packages still missing after apt-get: {', '.join(still)}")


def free_port() -> int:
    """A TCP port on the loopback address that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _chown(path: Path, user: str) -> None:
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def _node_line() -> tuple[str, str]:
    """The node's name and its `slurmd -C` hardware description (CPUs, memory)."""
    out = run(["slurmd", "-C"], timeout=30).stdout
    line = out.splitlines()[0].strip()
    match = re.match(r"NodeName=(\S+)\s+(.*)", line)
    if not match:
        raise ClusterUnavailableError(f"cannot parse `slurmd -C`: {line!r}")
    return match.group(1), match.group(2)


def _install_conf(cluster: SlurmCluster, target: Path, text: str, mode: int) -> None:
    """Write a config at its system path; never overwrite one this module did not write."""
    if target.exists() and not target.read_text(errors="replace").startswith(CONF_MARKER):
        raise ClusterUnavailableError(
            f"{target} exists and belongs to another SLURM installation; not touching it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    target.chmod(mode)
    cluster.written.append(target)


def reap_stale_clusters(root: Path) -> None:
    """Stop daemons left by a test run that was killed before its teardown.

    Reads the pids.json of old state directories under `root` and kills each PID
    only if that process is still the daemon that was recorded (same program name).
    Refuses while the process that started a cluster is alive: one machine hosts
    one cluster at a time (the configs and munge socket are at system paths).
    """
    for pid_file in root.glob(f"{STATE_PREFIX}*/pids.json"):
        try:
            pids = json.loads(pid_file.read_text())
        except (OSError, ValueError):
            continue
        owner = pids.get("owner")
        if isinstance(owner, int) and owner != os.getpid() and Path(f"/proc/{owner}").exists():
            raise ClusterUnavailableError(
                f"another test session (PID {owner}) runs a cluster from {pid_file.parent}"
            )
        for name in STOP_ORDER:
            pid = pids.get(name)
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
            except (OSError, TypeError):
                continue
            if Path(cmdline.decode(errors="replace")).name == name:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        shutil.rmtree(pid_file.parent, ignore_errors=True)


def _munge_works() -> bool:
    """True if a munged answers on the default socket (encode, then decode)."""
    try:
        cred = subprocess.run(["munge", "-n"], capture_output=True, timeout=10, check=True)
        subprocess.run(["unmunge"], input=cred.stdout, capture_output=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def _start_munge(cluster: SlurmCluster) -> None:
    """Start munged with a private key on the default socket, unless one already runs.

    The socket stays at its compiled-in default: slurm.conf's AuthInfo=socket= is not
    honoured by the clients' connections to slurmdbd (sacct, sacctmgr in 22.05).
    """
    if _munge_works():
        # A munged of the machine's own; use it and leave it alone.
        return
    MUNGE_SOCKET.parent.mkdir(parents=True, exist_ok=True)
    _chown(MUNGE_SOCKET.parent, "munge")
    # munged refuses a socket directory that others can write to or list.
    MUNGE_SOCKET.parent.chmod(0o711)
    for stale in (MUNGE_SOCKET, MUNGE_SOCKET.with_name(MUNGE_SOCKET.name + ".lock")):
        stale.unlink(missing_ok=True)
    munge_dir = cluster.state_dir / "munge"
    munge_dir.mkdir()
    key = munge_dir / "munge.key"
    run(["mungekey", "--create", f"--keyfile={key}"], timeout=30)
    for path in (munge_dir, key):
        _chown(path, "munge")
    key.chmod(0o400)
    munge_dir.chmod(0o700)
    cluster.spawn(
        "munged",
        [
            "munged",
            "--foreground",
            f"--socket={MUNGE_SOCKET}",
            f"--key-file={key}",
            f"--pid-file={munge_dir / 'munged.pid'}",
            f"--log-file={munge_dir / 'munged.log'}",
            f"--seed-file={munge_dir / 'munged.seed'}",
        ],
        user="munge",
    )

    def ready() -> bool:
        cluster.check_alive("munged")
        return _munge_works()

    wait_for(ready, timeout=20, what="munged to answer")


def _start_mariadb(cluster: SlurmCluster, password: str) -> int:
    data = cluster.state_dir / "mysql"
    data.mkdir()
    _chown(data, "mysql")
    run(
        [
            "mariadb-install-db",
            "--no-defaults",
            f"--datadir={data}",
            "--user=mysql",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        timeout=120,
    )
    port = free_port()
    sock = data / "mysqld.sock"
    cluster.spawn(
        "mariadbd",
        [
            "mariadbd",
            "--no-defaults",
            f"--datadir={data}",
            "--user=mysql",
            "--bind-address=127.0.0.1",
            f"--port={port}",
            f"--socket={sock}",
            f"--pid-file={data / 'mariadbd.pid'}",
            "--innodb-buffer-pool-size=64M",
            # slurmdbd's recommended settings (SLURM accounting guide)
            "--innodb-lock-wait-timeout=900",
            "--innodb-log-file-size=64M",
        ],
    )

    def ready() -> bool:
        cluster.check_alive("mariadbd")
        return sock.exists() and _port_open(port)

    wait_for(ready, timeout=60, what="MariaDB to accept connections")
    sql = (
        f"CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY '{password}';"
        f"CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '{password}';"
        "CREATE DATABASE IF NOT EXISTS slurm_acct_db;"
        "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
        "GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost';"
    )
    run(["mariadb", "--no-defaults", f"--socket={sock}", "-u", "root", "-e", sql], timeout=30)
    return port


def _slurm_conf(cluster: SlurmCluster, ports: dict[str, int], hardware: str) -> str:
    state = cluster.state_dir
    node = cluster.node_name
    # RealMemory from `slurmd -C`; give each CPU an equal share by default, else
    # one job without a memory request takes the whole node.
    cpus = cluster.node_cpus
    memory = int(re.search(r"RealMemory=(\d+)", hardware).group(1))  # type: ignore[union-attr]
    return f"""\
{CONF_MARKER}
ClusterName={CLUSTER_NAME}
SlurmctldHost={node}(127.0.0.1)
SlurmctldPort={ports["slurmctld"]}
SlurmdPort={ports["slurmd"]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation={state / "ctld"}
SlurmdSpoolDir={state / "slurmd"}
SlurmctldPidFile={state / "slurmctld.pid"}
SlurmdPidFile={state / "slurmd.pid"}
SlurmctldLogFile={cluster.log_dir / "slurmctld.daemon.log"}
SlurmdLogFile={cluster.log_dir / "slurmd.daemon.log"}
# No systemd and no cgroups in a container: track processes by /proc.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU={max(memory // cpus, 1)}
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort={ports["slurmdbd"]}
# Keep sbatch --comment (the plugin writes rule_NAME there) in accounting.
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
MinJobAge=300
InactiveLimit=0
KillWait=5
Waittime=0
SlurmctldTimeout=30
SlurmdTimeout=60
NodeName={node} NodeAddr=127.0.0.1 {hardware} State=UNKNOWN
PartitionName={PARTITION} Nodes={node} Default=YES MaxTime=INFINITE State=UP
"""


def _slurmdbd_conf(cluster: SlurmCluster, ports: dict[str, int], password: str) -> str:
    return f"""\
{CONF_MARKER}
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort={ports["slurmdbd"]}
SlurmUser=root
PidFile={cluster.state_dir / "slurmdbd.pid"}
LogFile={cluster.log_dir / "slurmdbd.daemon.log"}
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort={ports["mysql"]}
StorageUser=slurm
StoragePass={password}
StorageLoc=slurm_acct_db
"""


def _node_state(node: str) -> str:
    out = run(["sinfo", "-h", "-N", "-n", node, "-o", "%T"], timeout=10, check=False).stdout
    return out.strip().lower()


def start_cluster(state_root: Path | None = None, install_timeout: float = 600) -> SlurmCluster:
    """Start munged, MariaDB, slurmdbd, slurmctld and slurmd; return once the node is idle.

    Raises ClusterUnavailableError (after stopping whatever it started) when the machine
    cannot host the cluster. The state directory is created under `state_root`
    (default: the system temporary directory), readable by the daemon users.
    """
    if os.geteuid() != 0:
        raise ClusterUnavailableError("a real SLURM needs root (daemons, /etc/slurm)")
    ensure_packages(timeout=install_timeout)
    root = Path(state_root or tempfile.gettempdir())
    reap_stale_clusters(root)
    state_dir = Path(tempfile.mkdtemp(prefix=STATE_PREFIX, dir=root))
    # The munge and mysql users must reach their subdirectories.
    state_dir.chmod(0o755)
    cluster = SlurmCluster(state_dir=state_dir)
    try:
        for sub in ("log", "ctld", "slurmd"):
            (state_dir / sub).mkdir()
        node, hardware = _node_line()
        cluster.node_name = node
        cpus = re.search(r"CPUs=(\d+)", hardware)
        if not cpus:
            raise ClusterUnavailableError(f"no CPUs= in `slurmd -C`: {hardware!r}")
        cluster.node_cpus = int(cpus.group(1))
        password = secrets.token_hex(12)
        _start_munge(cluster)
        ports = {
            "mysql": _start_mariadb(cluster, password),
            "slurmdbd": free_port(),
            "slurmctld": free_port(),
            "slurmd": free_port(),
        }
        _install_conf(cluster, SLURM_CONF, _slurm_conf(cluster, ports, hardware), 0o644)
        _install_conf(cluster, SLURMDBD_CONF, _slurmdbd_conf(cluster, ports, password), 0o600)

        cluster.spawn("slurmdbd", ["slurmdbd", "-D"])

        def dbd_ready() -> bool:
            cluster.check_alive("slurmdbd")
            return _port_open(ports["slurmdbd"])

        wait_for(dbd_ready, timeout=60, what="slurmdbd to listen")
        # Register the cluster, an account and root's association, as an admin
        # would; slurmctld then reports its jobs to accounting from the start.
        existing = run(
            ["sacctmgr", "-n", "-P", "list", "cluster", "format=cluster"], timeout=30
        ).stdout.split()
        if CLUSTER_NAME not in existing:
            run(["sacctmgr", "-i", "add", "cluster", CLUSTER_NAME], timeout=30)
        run(
            ["sacctmgr", "-i", "add", "account", ACCOUNT, f"cluster={CLUSTER_NAME}"],
            timeout=30,
            check=False,
        )
        run(
            ["sacctmgr", "-i", "add", "user", "root", f"account={ACCOUNT}"],
            timeout=30,
            check=False,
        )

        cluster.spawn("slurmctld", ["slurmctld", "-D", "-c", "-i"])
        cluster.spawn("slurmd", ["slurmd", "-D"])

        def node_idle() -> bool:
            cluster.check_alive("slurmctld")
            cluster.check_alive("slurmd")
            return _node_state(node) == "idle"

        wait_for(node_idle, timeout=60, what=f"node {node} to be idle in sinfo")
    except BaseException:
        cluster.stop()
        raise
    return cluster


@contextlib.contextmanager
def slurm_cluster(state_root: Path | None = None) -> Iterator[SlurmCluster]:
    """A running cluster for the duration of a `with` block; always torn down."""
    cluster = start_cluster(state_root)
    try:
        yield cluster
    finally:
        cluster.stop()
