import os
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

# The science lives in the package under src/: importable here and, through PYTHONPATH,
# in every job's scripts (also in a conda env, which cannot install the package itself).
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH", "")) if p)
)

from cfdna_erbb2.errors import InputError  # noqa: E402
from cfdna_erbb2.refflat import check_gene, check_gene_matches_build  # noqa: E402
from cfdna_erbb2.cohort import baseline_of  # noqa: E402
from cfdna_erbb2.samples import read_samples  # noqa: E402

validate(config, schema="../schemas/config.schema.yaml")

# Sheet and reference errors stop the run here, before any job starts, naming file/row/field.
try:
    samples = read_samples(config["samples"])
    check_gene(config["reference"]["refflat"], config["gene"])
    if not Path(config["reference"]["fasta"]).is_file():
        raise InputError(config["reference"]["fasta"], "reference FASTA not found")
    if Path(config["reference"]["fasta"] + ".fai").is_file():
        check_gene_matches_build(
            config["reference"]["refflat"],
            config["reference"]["fasta"] + ".fai",
            config["gene"],
        )
except InputError as exc:
    raise WorkflowError(f"Bad input: {exc}") from None

SAMPLES = list(samples.index)
NORMALS = list(samples.index[samples["kind"] == "normal"])
PATIENTS = sorted(set(samples.loc[samples["kind"] == "plasma", "patient"]))

if not NORMALS:
    print(
        "WARNING: the samples sheet has no 'normal' rows: copy ratios are computed against a "
        "flat reference (no panel of normals). Expect more noise and fewer, less reliable "
        "calls; add healthy-donor cfDNA processed the same way.",
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
    killed for memory or time comes back bigger (profiles set `retries`)."""

    def scaled(wildcards, attempt):
        return base * attempt

    return scaled


# ---- input functions ---------------------------------------------------------------


def fastq_inputs(wildcards):
    row = samples.loc[wildcards.sample]
    return {"fq1": row["fq1"], "fq2": row["fq2"]}


def bam_input(wildcards):
    return samples.loc[wildcards.sample, "bam"]


def sample_bam(wildcards):
    """The analysis-ready BAM of a sample: aligned here, or the sheet's BAM after checks."""
    if samples.loc[wildcards.sample, "input"] == "bam":
        return f"results/bam/{wildcards.sample}.checked.bam"
    return f"results/bam/{wildcards.sample}.bam"


def sample_bai(wildcards):
    return sample_bam(wildcards) + ".bai"


def read_group(wildcards):
    return f"@RG\\tID:{wildcards.sample}\\tSM:{wildcards.sample}\\tPL:ILLUMINA\\tLB:{wildcards.sample}"


def bin_depth_qc(wildcards):
    """QC files whose read counts set the auto bin size: the normals' (all samples without)."""
    if str(config["bins"]["size"]) != "auto":
        return []
    chosen = NORMALS if NORMALS else SAMPLES
    return expand("results/qc/{sample}.bam_qc.json", sample=chosen)


def panel_coverage(wildcards):
    return expand("results/cnvkit/coverage/{sample}.targetcoverage.cnn", sample=NORMALS)


def loo_coverage(wildcards):
    others = [n for n in NORMALS if n != wildcards.normal]
    return expand("results/cnvkit/coverage/{sample}.targetcoverage.cnn", sample=others)


def sample_reference(wildcards):
    """Normals are fixed against a panel built without them (leave-one-out)."""
    if wildcards.sample in NORMALS:
        return f"results/cnvkit/reference/loo/{wildcards.sample}.cnn"
    return "results/cnvkit/reference/panel.cnn"


def normal_cnrs(wildcards):
    return expand("results/cnvkit/{sample}.cnr", sample=NORMALS)


BASELINES = baseline_of(samples)


def baseline_call(wildcards):
    """An on-treatment draw is measured over the amplicon its baseline showed."""
    row = samples.loc[wildcards.sample]
    base = BASELINES.get(row["patient"])
    if row["kind"] != "plasma" or base is None or base == wildcards.sample:
        return []
    return f"results/erbb2/samples/{base}.tsv"


def normal_fraglens(wildcards):
    return expand("results/qc/{sample}.fraglen.tsv", sample=NORMALS)


def group_of(sample):
    """Report group of a sample: its patient, or 'normals' for the panel of normals."""
    return samples.loc[sample, "patient"] or "normals"


GROUPS = {s: group_of(s) for s in SAMPLES}


def all_plots(wildcards):
    plots = expand("results/plots/{patient}/{patient}.trajectory.png", patient=PATIENTS)
    for kind in ("genome", "fragments"):
        plots += [f"results/plots/{GROUPS[s]}/{s}.{kind}.png" for s in SAMPLES]
    plots += ["results/plots/qc_overview.png"]
    if PATIENTS:
        plots += ["results/plots/cohort.png"]
    return plots
