"""Fixtures for tests that run the workflow through a real single-node SLURM."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType

import pytest

from .slurm import ClusterUnavailableError, SlurmCluster, start_cluster


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    # A CI timeout sends SIGTERM; turn it into KeyboardInterrupt so pytest still
    # runs the fixture's teardown and the daemons are stopped.
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    """A running cluster (munged, MariaDB, slurmdbd, slurmctld, slurmd) for the session.

    Skips, with the reason, when this machine cannot host one (not root, packages
    not installable, a daemon that does not start). Torn down by PID at the end.
    """
    try:
        cluster = start_cluster()
    except ClusterUnavailableError as exc:
        pytest.skip(f"cannot run a real SLURM on this machine: {exc}")
    previous = signal.getsignal(signal.SIGTERM)
    if previous == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield cluster
    finally:
        cluster.stop()
        if previous == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
