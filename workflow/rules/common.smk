import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError

# The science lives in the package under src/: importable here and, through PYTHONPATH,
# in every job's scripts (also in a conda env, which cannot install the package itself).
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH", "")) if p)
)

from cfdna_erbb2 import __version__ as VERSION  # noqa: E402
from cfdna_erbb2.cohort import baseline_of  # noqa: E402
from cfdna_erbb2.config import (  # noqa: E402
    check_config,
    check_reference,
    check_study_files,
    fasta_index,
    load_yaml,
    study_sources,
)
from cfdna_erbb2.errors import InputError  # noqa: E402
from cfdna_erbb2.samples import read_samples  # noqa: E402
from cfdna_erbb2.slurm_check import JobAsk, read_sinfo, unschedulable  # noqa: E402

# Config, sheet and reference errors stop the run here, before any job starts, with one
# line naming the file and the key (config) or the row and field (sheet). The config's
# schema is applied by check_config, which names the file that set a wrong key instead of
# dumping the schema. (A YAML syntax error in --configfile stops Snakemake before this
# file runs: `python -m cfdna_erbb2.config my/config.yaml` names its line.)
REPO = Path(workflow.basedir)
try:
    CONFIG_SOURCES = study_sources(
        REPO / "config" / "config.yaml",
        workflow.overwrite_configfiles,
        workflow.config_settings.config,
    )
    check_config(
        config,
        CONFIG_SOURCES,
        load_yaml(REPO / "workflow" / "schemas" / "config.schema.yaml"),
    )
    check_study_files(config, CONFIG_SOURCES)
    samples = read_samples(config["samples"])
    # The refFlat against the FASTA's .fai when one is beside it; otherwise the same check
    # runs in rule check_reference right after faidx, before bwa_index (and so before any
    # alignment): reading a whole genome's '>' lines here would slow every start-up.
    check_reference(
        config["reference"]["fasta"],
        config["reference"]["refflat"],
        config["gene"],
        fasta_index(config["reference"]["fasta"]),
    )
except InputError as exc:
    raise WorkflowError(f"Bad input: {exc}") from None

# Every command the rules run must be found before any job starts, unless Snakemake deploys
# the rules' own conda environments (--sdm conda) or containers.
TOOLS = {
    "bwa": "bwa (Debian: bwa)",
    "samtools": "samtools (Debian: samtools)",
    "cnvkit.py": "CNVkit (pip: cnvkit)",
    "Rscript": "R with DNAcopy for CBS (Debian: r-bioc-dnacopy)",
}
_deploy = {str(m).lower() for m in workflow.deployment_settings.deployment_method}
if not any("conda" in m or "apptainer" in m or "singularity" in m for m in _deploy):
    _missing = [what for tool, what in TOOLS.items() if shutil.which(tool) is None]
    if _missing:
        raise WorkflowError(
            "Missing tools: "
            + "; ".join(_missing)
            + ". Activate the project's environment first (`source "
            + str(Path(workflow.basedir) / ".venv" / "bin" / "activate")
            + "` after `make setup`, or `conda activate cfdna-erbb2`), or let Snakemake "
            "make each rule's environment with `--sdm conda`."
        )


SAMPLES = list(samples.index)
NORMALS = list(samples.index[samples["kind"] == "normal"])
PATIENTS = sorted(set(samples.loc[samples["kind"] == "plasma", "patient"]))
# The sheet's rows as plain dicts (sample -> column -> value): the input functions below run
# for every job, and a pandas lookup per call adds up over a DAG of 1,000 draws
# (benchmarks/bench_dag.py).
ROWS = samples.to_dict("index")

if workflow.is_main_process and not NORMALS:
    print(
        "WARNING: the samples sheet has no 'normal' rows: copy ratios are computed against a "
        "flat reference (no panel of normals). Expect more noise and fewer, less reliable "
        "calls; add healthy-donor cfDNA processed the same way.",
        file=sys.stderr,
    )
if workflow.is_main_process and not PATIENTS:
    # Building a panel of normals before patients arrive: everything but the response.
    print(
        f"panel-only run: {len(NORMALS)} normals, no patients: calls, QC, plots and the "
        "report of the normals; no response tables, trajectories or cohort plot.",
        file=sys.stderr,
    )


wildcard_constraints:
    sample="|".join(SAMPLES),
    patient="|".join(PATIENTS) if PATIENTS else "NO_PATIENT",
    normal="|".join(NORMALS) if NORMALS else "NO_NORMAL",
    group="|".join(sorted(set(PATIENTS) | {"normals"})),


# ---- resources ---------------------------------------------------------------------


def by_attempt(base):
    """A resource (MB of memory, minutes of runtime) that grows with each retry, so a job
    killed for memory or time comes back bigger (the SLURM profile sets `retries`)."""

    def scaled(wildcards, attempt):
        return base * attempt

    return scaled


# Alignment's memory as benchmarks/bench_scale.py measured it (10 M read pairs). bwa mem holds
# its index (1.65 bytes per reference base: .bwt, .sa, .pac) plus about 125 MB of batch
# buffers (-K 10 M); samtools sort buffers up to 768 MB per thread (its default -m) beside
# it: 214 + 3,600 MB on a 55 Mb genome at 4 threads, about 8,900 MB on GRCh38.
ALIGN_INDEX_BYTES_PER_BASE = 1.7
ALIGN_BUFFERS_MB = 150
SORT_MB_PER_THREAD = 768
#: Headroom over the measured peak, and the unit memory requests are rounded up to.
MEM_HEADROOM, MEM_STEP_MB = 1.25, 500


@functools.cache
def reference_bases():
    """Bases of the study's reference: the sum of its .fai lengths, else the FASTA's bytes."""
    fasta = config["reference"]["fasta"]
    fai = fasta_index(fasta)
    if fai is None:
        return os.path.getsize(fasta)
    with open(fai) as handle:
        return sum(int(line.split("\t")[1]) for line in handle if line.strip())


def align_mem_mb(wildcards, threads, attempt):
    """MB for rule align from the reference's size (its .fai, else the FASTA's bytes) and
    the job's threads: the demo's 23 Mb genome asks about 4,000 MB at 4 threads, GRCh38
    about 10,500; doubled on each retry."""
    peak = (
        ALIGN_INDEX_BYTES_PER_BASE * reference_bases() / 1e6
        + ALIGN_BUFFERS_MB
        + SORT_MB_PER_THREAD * threads
    )
    return int(-(-peak * MEM_HEADROOM // MEM_STEP_MB) * MEM_STEP_MB) * attempt


def job_ask(name, job):
    """What a job (or a group job) asks SLURM for, as the slurm plugin submits it."""
    res = job.resources
    cpus = res.get("cpus_per_task") or job.threads
    mem = res.get("mem_mb_per_cpu")
    mem = mem * cpus if isinstance(mem, int | float) else res.get("mem_mb")
    return JobAsk(
        name,
        int(cpus) if isinstance(cpus, int | float) else 1,
        int(mem) if isinstance(mem, int | float) else None,  # None: TBD
        res.get("slurm_partition"),
    )


def group_problems(groups, partitions):
    """One message per group (a sample's chain, submitted as one job) that asks for more
    than the largest node of its partition although each of its jobs fits: its steps that
    run side by side add up (the chains of several samples packed into one job by
    group-components). --cores N and --resources mem_mb=M make
    Snakemake run them one after another within N CPUs and M MB."""
    messages = {}
    for group in groups:
        ask = job_ask(group.groupid, group)
        names = (ask.partition or partitions.default or "").split(",")
        nodes = {p: partitions.largest[p] for p in names if p in partitions.largest}
        fits = [
            ask.cpus <= n.cpus
            and (ask.mem_mb is None or not n.mem_mb or ask.mem_mb <= n.mem_mb)
            for n in nodes.values()
        ]
        if not nodes or any(fits) or group.groupid in messages:
            continue
        partition, node = next(iter(nodes.items()))
        rules = ", ".join(sorted({job.rule.name for job in group.jobs}))
        messages[group.groupid] = (
            f"group '{group.groupid}' ({rules}) asks {ask.cpus} CPUs and {ask.mem_mb} MB "
            f"per job, but the largest node of partition '{partition}' has {node.cpus} CPUs "
            f"and {node.mem_mb} MB: the group's steps that run side by side add up. Run with "
            f"--cores {node.cpus} --resources mem_mb={node.mem_mb} (Snakemake then runs them "
            "one after another within one node)"
        )
    return list(messages.values())


def check_cluster_fits():
    """With the SLURM executor, stop before the first submission if a rule's jobs, or the
    group jobs that bundle a sample's steps, ask for more CPUs or memory than any node of
    their partition has: SLURM would keep them pending forever (reason PartitionConfig).
    Called by `onstart` (the executor and the jobs' final threads and resources are known
    only then)."""
    plugin = workflow.executor_plugin
    if plugin is None or plugin.name != "slurm":
        return
    try:
        partitions = read_sinfo()
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"WARNING: sinfo failed, job sizes not checked: {exc}", file=sys.stderr)
        return
    asks, groups = [], {}
    for job in workflow.dag.needrun_jobs():
        if job.is_local:
            continue
        asks.append(job_ask(job.rule.name, job))
        group = workflow.dag.get_job_group(job)
        if group is not None:
            groups[group] = None
    problems = unschedulable(asks, partitions) or group_problems(groups, partitions)
    if problems:
        raise WorkflowError(
            "Jobs that SLURM could never start; nothing was submitted:\n"
            + "\n".join(problems)
        )


# ---- input functions ---------------------------------------------------------------
# Lists that do not depend on the job are made once, here, not in every job's call.


def fastq_inputs(wildcards):
    row = ROWS[wildcards.sample]
    return {"fq1": row["fq1"], "fq2": row["fq2"]}


def bam_input(wildcards):
    return ROWS[wildcards.sample]["bam"]


def sample_bam(wildcards):
    """The analysis-ready BAM of a sample: aligned here, or the sheet's BAM after checks."""
    if ROWS[wildcards.sample]["input"] == "bam":
        return f"results/bam/{wildcards.sample}.checked.bam"
    return f"results/bam/{wildcards.sample}.bam"


def sample_bai(wildcards):
    return sample_bam(wildcards) + ".bai"


def read_group(wildcards):
    return f"@RG\\tID:{wildcards.sample}\\tSM:{wildcards.sample}\\tPL:ILLUMINA\\tLB:{wildcards.sample}"


def read_count(sample):
    """The file with a sample's sequenced read pairs, written by its input check (rule
    check_fastq counts the FASTQ records, rule check_bam the BAM's primary first mates).
    """
    kind = "bam" if ROWS[sample]["input"] == "bam" else "fastq"
    return f"results/qc/{sample}.{kind}_reads.json"


#: Samples whose read pairs set the automatic bin size: the normals (every sample when there
#: are none); none when the config fixes the size.
DEPTH_SAMPLES = (NORMALS or SAMPLES) if str(config["bins"]["size"]) == "auto" else []
BIN_DEPTH = [read_count(s) for s in DEPTH_SAMPLES]


def bin_depth(wildcards):
    """Read-count files of the samples that set the automatic bin size. Their input checks
    count the reads, so the bins wait for no alignment or BAM QC pass."""
    return BIN_DEPTH


# ---- groups: one cluster submission per sample -------------------------------------
# On a cluster, a sample's short steps from its input check to its bin coverage (check,
# align, qc_bam with the coverage and samtools stats) run as one job of the group "sample": Snakemake makes one
# group job per sample (the jobs of one sample are connected, those of two samples are
# not; the SLURM profile's group-components can pack several samples into one job).
# Snakemake ignores groups when it runs the jobs on this machine.
SAMPLE_GROUP = "sample"
GROUPED_CHECKS = set(SAMPLES) - set(DEPTH_SAMPLES)


def check_group(wildcards):
    """The group of a sample's input check: the sample's own, except for the samples that
    set the bin size. The bins wait for those samples' read counts and every coverage waits
    for the bins, so their checks are jobs of their own (in the group, the group would wait
    for itself)."""
    return SAMPLE_GROUP if wildcards.sample in GROUPED_CHECKS else None


#: The ENCODE blacklists shipped with the workflow, by the build check_gene_matches_build
#: recognises (resources/blacklists/README.md).
BLACKLISTS = {
    "GRCh38": str(
        Path(workflow.basedir) / "resources/blacklists/hg38-blacklist.v2.bed.gz"
    ),
    "GRCh37": str(
        Path(workflow.basedir) / "resources/blacklists/hg19-blacklist.v2.bed.gz"
    ),
}


def exclusion_beds(wildcards):
    """BED files of regions left out of the bins (config bins.exclude; for "auto", the
    shipped blacklists, of which the bins script takes the one of the FASTA's build)."""
    chosen = config["bins"]["exclude"]
    if chosen == "none":
        return []
    if chosen == "auto":
        return list(BLACKLISTS.values())
    return list(chosen)


NORMAL_QC = expand("results/qc/{sample}.bam_qc.json", sample=NORMALS)
NORMAL_COVERAGE = expand(
    "results/cnvkit/coverage/{sample}.targetcoverage.cnn", sample=NORMALS
)
LOO_COVERAGE = {
    normal: [c for n, c in zip(NORMALS, NORMAL_COVERAGE) if n != normal]
    for normal in NORMALS
}
NORMAL_CNRS = expand("results/cnvkit/{sample}.cnr", sample=NORMALS)
# The size-weighted track (short fragments counted erbb2.short_fragment_weight times): the
# same files once more, named {sample}.sizeweighted.*, in the same order.
NORMAL_COVERAGE_SW = expand(
    "results/cnvkit/coverage/{sample}.sizeweighted.targetcoverage.cnn", sample=NORMALS
)
LOO_COVERAGE_SW = {
    normal: [c for n, c in zip(NORMALS, NORMAL_COVERAGE_SW) if n != normal]
    for normal in NORMALS
}
NORMAL_CNRS_SW = expand("results/cnvkit/{sample}.sizeweighted.cnr", sample=NORMALS)
NORMAL_FRAGLENS = expand("results/qc/{sample}.fraglen.tsv", sample=NORMALS)


def normal_qc(wildcards):
    return NORMAL_QC


def panel_coverage(wildcards):
    return NORMAL_COVERAGE


def loo_coverage(wildcards):
    return LOO_COVERAGE[wildcards.normal]


def panel_coverage_sw(wildcards):
    return NORMAL_COVERAGE_SW


def loo_coverage_sw(wildcards):
    return LOO_COVERAGE_SW[wildcards.normal]


def sample_reference(wildcards):
    """Normals are fixed against a panel built without them (leave-one-out)."""
    if ROWS[wildcards.sample]["kind"] == "normal":
        return f"results/cnvkit/reference/loo/{wildcards.sample}.cnn"
    return "results/cnvkit/reference/panel.cnn"


def sample_reference_sw(wildcards):
    # The size-weighted reference a sample is fixed against (as sample_reference).
    return sample_reference(wildcards).removesuffix(".cnn") + ".sizeweighted.cnn"


def normal_cnrs(wildcards):
    return NORMAL_CNRS


def normal_cnrs_sw(wildcards):
    return NORMAL_CNRS_SW


BASELINES = baseline_of(samples)


def baseline_call(wildcards):
    """An on-treatment draw is measured over the amplicon its baseline showed."""
    row = ROWS[wildcards.sample]
    base = BASELINES.get(row["patient"])
    if row["kind"] != "plasma" or base is None or base == wildcards.sample:
        return []
    return f"results/erbb2/samples/{base}.tsv"


def group_of(sample):
    """Report group of a sample: its patient, or 'normals' for the panel of normals."""
    return ROWS[sample]["patient"] or "normals"


GROUPS = {s: group_of(s) for s in SAMPLES}


def response_tables(wildcards):
    """The response tables; none in a panel-only run (a sheet of normals only)."""
    if not PATIENTS:
        return []
    return ["results/response/timepoints.tsv", "results/response/patients.tsv"]


def all_plots(wildcards):
    """What the report shows: the pictures, and the table pages (rules report_tables and,
    with patients, report_response_tables)."""
    plots = expand("results/plots/{patient}/{patient}.trajectory.png", patient=PATIENTS)
    for kind in ("genome", "fragments"):
        plots += [f"results/plots/{GROUPS[s]}/{s}.{kind}.png" for s in SAMPLES]
    plots += ["results/plots/qc_overview.png"]
    plots += ["results/report/calls.html", "results/report/qc.html"]
    if PATIENTS:
        plots += ["results/plots/cohort.png"]
        plots += ["results/report/patients.html", "results/report/timepoints.html"]
    return plots


#: The facts of a run the report's home page states (written by rule report_tables).
RUN_FACTS = "results/report/run.json"


def report_home_page():
    """The home page's run facts (version, date, reference, thresholds), as RST. Called by
    workflow/report/workflow.rst when `--report` renders it: Snakemake gives that page the
    config and the report's results, whose rules carry the workflow's globals. Imported
    here, not at start-up: the pages' module loads matplotlib, which a run need not."""
    from cfdna_erbb2.report_html import home_page

    return home_page(RUN_FACTS)


def baseline_profile(wildcards):
    """An on-treatment draw's tumour fraction is also fitted on its baseline's states."""
    call = baseline_call(wildcards)
    if not call:
        return {}
    base = Path(call).name.removesuffix(".tsv")
    return {
        "baseline_cnr": f"results/cnvkit/{base}.cnr",
        "baseline_cns": f"results/cnvkit/{base}.cns",
    }
