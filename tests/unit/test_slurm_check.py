"""A job that no node of its SLURM partition can hold is found before submission."""

from __future__ import annotations

import pytest

from cfdna_erbb2.slurm_check import JobAsk, NodeSize, Partitions, parse_sinfo, unschedulable

#: `sinfo --noheader --Node --format='%P %c %m'` on a small cluster: two partitions sharing
#: a node, the default marked with '*'.
SINFO = """\
debug* 4 7800
debug* 2 3900
big 32 256000+
big 4 7800
gpu 8 N/A
"""


def test_parse_sinfo_keeps_the_largest_node_per_partition() -> None:
    parts = parse_sinfo(SINFO)
    assert parts.default == "debug"
    assert parts.largest == {
        "debug": NodeSize(4, 7800),
        "big": NodeSize(32, 256000),
        "gpu": NodeSize(8, 0),
    }


def test_parse_sinfo_of_nothing() -> None:
    assert parse_sinfo("") == Partitions({}, None)


PARTS = parse_sinfo(SINFO)


def test_jobs_that_fit_pass() -> None:
    asks = [
        JobAsk("align", 4, 4000, None),
        JobAsk("bwa_index", 1, 200_000, "big"),
        JobAsk("qc_bam", 1, None, "debug"),
        JobAsk("plot", 1, 100_000, "gpu"),  # memory unknown (N/A): not judged
    ]
    assert unschedulable(asks, PARTS) == []


def test_too_many_threads_names_rule_sizes_and_the_fix() -> None:
    [message] = unschedulable([JobAsk("align", 8, 4000, None)], PARTS)
    for phrase in ("rule align asks 8 CPUs", "partition 'debug' has 4 CPUs", "PartitionConfig",
                   "--max-threads 4", "--set-threads align=4", "slurm_partition"):  # fmt: skip
        assert phrase in message, message


def test_too_much_memory_names_the_fix() -> None:
    [message] = unschedulable([JobAsk("bwa_index", 1, 8000, "debug")], PARTS)
    assert "8000 MB of memory" in message and "has 7800 MB" in message
    assert "--set-resources bwa_index:mem_mb=7800" in message
    assert "--max-threads" not in message


def test_both_at_once_in_one_line() -> None:
    [message] = unschedulable([JobAsk("align", 8, 9000, None)], PARTS)
    assert "8 CPUs (threads) and 9000 MB of memory" in message
    assert "--max-threads 4" in message and "align:mem_mb=7800" in message


def test_one_message_per_rule_sorted() -> None:
    asks = [JobAsk("b", 64, None, "big"), JobAsk("a", 64, None, "big"), JobAsk("a", 99, 1, "big")]
    messages = unschedulable(asks, PARTS)
    assert [m.split()[1] for m in messages] == ["a", "b"]


@pytest.mark.parametrize(("partition", "fits"), [("debug,big", True), ("debug", False)])
def test_several_partitions_fit_if_one_fits(partition: str, fits: bool) -> None:
    assert (unschedulable([JobAsk("align", 16, 4000, partition)], PARTS) == []) is fits


def test_an_unknown_partition_is_reported() -> None:
    [message] = unschedulable([JobAsk("align", 1, 1, "nope")], PARTS)
    assert "partition 'nope'" in message and "big, debug, gpu" in message


def test_without_a_default_partition_unnamed_jobs_are_not_judged() -> None:
    parts = Partitions({"big": NodeSize(2, 1000)}, default=None)
    assert unschedulable([JobAsk("align", 64, 10**6, None)], parts) == []
