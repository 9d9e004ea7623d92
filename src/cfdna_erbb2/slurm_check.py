"""Will every job fit a node of its SLURM partition? Checked before any job is submitted.

A job that asks for more CPUs or memory than any node of its partition has can never
start: SLURM keeps it pending (reason ``PartitionConfig``) or rejects it, and the run
waits or fails far from the cause. :func:`unschedulable` compares what each rule's jobs ask
with the largest node of each partition, as ``sinfo`` describes them, and says per rule
what to change. It is pure, so it is tested without SLURM; :func:`read_sinfo` asks SLURM.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: One line per node and partition: partition (the default marked '*'), CPUs, memory (MB).
SINFO_COMMAND = ("sinfo", "--noheader", "--Node", "--format=%P %c %m")


@dataclass(frozen=True)
class NodeSize:
    """The largest node of a partition: CPUs and memory (MB) on one node."""

    cpus: int
    mem_mb: int


@dataclass(frozen=True)
class JobAsk:
    """What one job asks SLURM for: CPUs per task, memory (MB, None if unset), partition."""

    rule: str
    cpus: int
    mem_mb: int | None
    partition: str | None


@dataclass(frozen=True)
class Partitions:
    """The cluster's partitions with their largest node, and the default partition."""

    largest: Mapping[str, NodeSize]
    default: str | None


def _number(text: str) -> int:
    """An sinfo count ('4', '4+', '257000+'); 0 when it is not a number ('N/A')."""
    match = re.match(r"\d+", text)
    return int(match.group()) if match else 0


def parse_sinfo(text: str) -> Partitions:
    """Partitions from the output of :data:`SINFO_COMMAND` (``PARTITION CPUS MEMORY``)."""
    largest: dict[str, NodeSize] = {}
    default = None
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        name = fields[0]
        if name.endswith("*"):
            name = name.removesuffix("*")
            default = name
        node = NodeSize(_number(fields[1]), _number(fields[2]))
        old = largest.get(name, NodeSize(0, 0))
        largest[name] = NodeSize(max(old.cpus, node.cpus), max(old.mem_mb, node.mem_mb))
    return Partitions(largest, default)


def _advice(ask: JobAsk, node: NodeSize, partition: str) -> str | None:
    """One line saying why ``ask`` cannot start on ``partition`` and what fixes it, or None."""
    too_big, fixes = [], []
    if ask.cpus > node.cpus:
        too_big.append((f"{ask.cpus} CPUs (threads)", f"{node.cpus} CPUs"))
        fixes.append(f"--max-threads {node.cpus} (or --set-threads {ask.rule}={node.cpus})")
    if ask.mem_mb is not None and node.mem_mb and ask.mem_mb > node.mem_mb:
        too_big.append((f"{ask.mem_mb} MB of memory", f"{node.mem_mb} MB"))
        fixes.append(f"--set-resources {ask.rule}:mem_mb={node.mem_mb}")
    if not too_big:
        return None
    asks, has = (" and ".join(part) for part in zip(*too_big, strict=True))
    return (
        f"rule {ask.rule} asks {asks} per job, but the largest node of partition "
        f"'{partition}' has {has}: its jobs could never start (SLURM keeps them pending, "
        f"reason PartitionConfig). Run with {' '.join(fixes)}, or choose a partition with "
        "bigger nodes (resource slurm_partition)"
    )


def unschedulable(asks: Iterable[JobAsk], partitions: Partitions) -> list[str]:
    """One message per rule whose jobs ask for more than any node of their partition has.

    A job without a partition goes to the default one; one that names several
    (``a,b``) fits if it fits any. A partition SLURM does not list is reported too.
    Jobs of a partition that cannot be determined are not judged.
    """
    messages: dict[str, str] = {}
    for ask in asks:
        if ask.rule in messages:
            continue
        names = [p.strip() for p in (ask.partition or partitions.default or "").split(",")]
        names = [p for p in names if p]
        if not names:
            continue
        unknown = [p for p in names if p not in partitions.largest]
        if unknown:
            known = ", ".join(sorted(partitions.largest)) or "none"
            messages[ask.rule] = (
                f"rule {ask.rule} is sent to partition '{unknown[0]}' (resource "
                f"slurm_partition), which SLURM does not list; its partitions: {known}"
            )
            continue
        advice = [_advice(ask, partitions.largest[p], p) for p in names]
        if all(advice):
            messages[ask.rule] = str(advice[0])
    return [messages[rule] for rule in sorted(messages)]


def read_sinfo() -> Partitions:
    """The partitions of the cluster this runs on (raises OSError/CalledProcessError)."""
    result = subprocess.run(SINFO_COMMAND, capture_output=True, text=True, check=True, timeout=60)
    return parse_sinfo(result.stdout)
