"""Cohorts of serial plasma draws with known truth, and the single-sample API.

A cohort is healthy-donor normals (tumour fraction 0, for the panel of normals) plus patients,
each with ONE tumour genome shared by all of their draws and a tumour-fraction trajectory
over the draws (day 1 = cycle 1 day 1 = baseline, day 22 = cycle 2 day 1, ...).
Every sample has a sex (women XX, men XY), which shows on a genome with sex chromosomes
(the ``human`` presets). The expected response labels follow the project's rules
(see :func:`expected_response`).
"""

from __future__ import annotations

import csv
import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import yaml

from .genome import DEFAULT_LAYOUT, SMALL_LAYOUT, ChromLayout, Genome, make_genome, write_reference
from .human import HUMAN_LAYOUT, NAMINGS, name_genome
from .reads import (
    DEFAULT_READ_LENGTH,
    SampleSpec,
    expected_log2,
    expected_pcn,
    simulate_fragments,
    write_reads,
)
from .tumour import (
    FEMALE,
    MALE,
    MAX_BROAD_FRACTION,
    NORMAL_COPIES,
    SEXES,
    TumourGenome,
    TumourSpec,
    make_tumour,
    tumour_ploidy,
    without_amplicon,
)

#: Draws with fewer read pairs than this are not evaluable (default of the response rules).
MIN_READ_PAIRS = 20_000
#: Molecular response: a fall of at least 50% in the ctDNA signal (Thompson et al.,
#: JCO Precis Oncol 2021), applied to the excess copy number pCN - 2.
REDUCED_FRACTION = 0.5
#: Below this fraction of the baseline excess, the amplification counts as undetectable.
UNDETECTABLE_FRACTION = 0.1

#: Columns of truth.tsv, in order.
TRUTH_COLUMNS = (
    "sample",
    "patient",
    "kind",
    "timepoint",
    "depth",
    "read_pairs",
    "tumour_fraction",
    "erbb2_tumour_copies",
    "amplicon_chrom",
    "amplicon_start",
    "amplicon_end",
    "arm_gain_17q",
    "expected_pcn",
    "expected_log2",
    "expected_amplified",
    "expected_response",
    "is_baseline",
    "clone_lost",
    "expected_explanation",
)
#: Columns truth.tsv adds for a genome with sex chromosomes: the sample's sex and the
#: tumour's ploidy (mean tumour copy number over the autosomes; empty for normals).
SEX_TRUTH_COLUMNS = ("sex", "tumour_ploidy")
#: Columns of samples.tsv, in order.
SHEET_COLUMNS = ("sample", "patient", "kind", "timepoint", "fq1", "fq2", "bam")


@dataclass(frozen=True)
class DrawSpec:
    """One plasma draw: ``day`` (days, 1 = cycle 1 day 1), tumour fraction (0-1), and depth.

    ``depth`` (x) defaults to the cohort's plasma depth; ``read_pairs`` fixes the read count
    instead (it survives a ``--depth`` override). ``not_evaluable`` marks the draw as failed
    whatever its depth. ``clone_lost``: the tumour in this draw has lost its ERBB2-amplified
    clone (broad events kept, amplicon gone; :func:`~.tumour.without_amplicon`).
    """

    day: int
    tumour_fraction: float
    depth: float | None = None
    read_pairs: int | None = None
    not_evaluable: bool = False
    clone_lost: bool = False


@dataclass(frozen=True)
class PatientSpec:
    """A patient: ID, tumour genome design, and draws (earliest is the baseline).

    ``design``: the response class the design aims at (documentation only; truth labels are
    computed from the numbers). ``sex``: ``female`` or ``male`` (all draws share it).
    """

    patient: str
    tumour: TumourSpec
    draws: tuple[DrawSpec, ...]
    design: str = ""
    sex: str = FEMALE

    def __post_init__(self) -> None:
        if self.sex not in SEXES:
            raise ValueError(f"{self.patient}: sex must be one of {SEXES}, got {self.sex!r}")


@dataclass(frozen=True)
class CohortSpec:
    """A whole cohort: normals, patients, depths (x), read length (bp) and genome layout.

    ``normal_sexes``: the sex of each normal (HD01, HD02, ...); empty means all female.
    """

    name: str
    n_normals: int
    normal_depth: float
    plasma_depth: float
    patients: tuple[PatientSpec, ...]
    layout: tuple[ChromLayout, ...] = DEFAULT_LAYOUT
    read_length: int = DEFAULT_READ_LENGTH
    min_read_pairs: int = MIN_READ_PAIRS
    dup_rate: float = 0.05
    normal_sexes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.normal_sexes and len(self.normal_sexes) != self.n_normals:
            raise ValueError(f"{self.name}: normal_sexes must list {self.n_normals} sexes")
        if not set(self.normal_sexes) <= set(SEXES):
            raise ValueError(f"{self.name}: normal_sexes must be among {SEXES}")

    def normal_sex(self, i: int) -> str:
        """Sex of the ``i``-th normal (0-based)."""
        return self.normal_sexes[i] if self.normal_sexes else FEMALE


def _demo() -> CohortSpec:
    """The demo cohort: 4 normals at 1x (two women, two men) and 5 patients covering every
    response class; P03 is a man (gastric and oesophageal cancers carry ERBB2 amplifications
    too)."""
    return CohortSpec(
        name="demo",
        n_normals=4,
        normal_sexes=(FEMALE, MALE, FEMALE, MALE),
        normal_depth=1.0,
        plasma_depth=1.0,
        patients=(
            PatientSpec(
                "P01",
                TumourSpec(
                    erbb2_copies=20,
                    amplicon_size=500_000,
                    amplicon_offset=60_000,
                    broad_fraction=MAX_BROAD_FRACTION,
                    arm_level=True,
                ),
                (DrawSpec(1, 0.20), DrawSpec(22, 0.06), DrawSpec(43, 0.20, clone_lost=True)),
                design="reduced (the tumour shrank), then undetectable (the ERBB2-amplified "
                "clone was lost while the tumour persists)",
            ),
            PatientSpec(
                "P02",
                TumourSpec(
                    erbb2_copies=30,
                    amplicon_size=800_000,
                    amplicon_offset=-150_000,
                    broad_fraction=MAX_BROAD_FRACTION,
                    arm_level=True,
                ),
                (DrawSpec(1, 0.25), DrawSpec(22, 0.0)),
                design="undetectable (the tumour fraction fell to nothing)",
            ),
            PatientSpec(
                "P03",
                TumourSpec(erbb2_copies=25, amplicon_size=300_000, amplicon_offset=20_000),
                (DrawSpec(1, 0.10), DrawSpec(22, 0.09)),
                design="persistent",
                sex=MALE,
            ),
            PatientSpec(
                "P04",
                TumourSpec(erbb2_copies=None, arm_gain_17q=4),
                (DrawSpec(1, 0.20), DrawSpec(22, 0.15)),
                design="baseline_negative (17q arm-gain decoy)",
            ),
            PatientSpec(
                "P05",
                TumourSpec(erbb2_copies=20, amplicon_size=1_000_000, amplicon_offset=-200_000),
                (DrawSpec(1, 0.12), DrawSpec(22, 0.08, read_pairs=3_000)),
                design="not_evaluable (on-treatment draw far too shallow)",
            ),
        ),
    )


def _test() -> CohortSpec:
    """A small cohort for CI: 3 normals (two women, a man), 4 patients (P03 a man), 1x on the
    ~19 Mb genome."""
    demo = {p.patient: p for p in _demo().patients}
    return CohortSpec(
        name="test",
        n_normals=3,
        normal_sexes=(FEMALE, MALE, FEMALE),
        normal_depth=1.0,
        plasma_depth=1.0,
        patients=(demo["P01"], demo["P03"], demo["P04"], demo["P05"]),
        layout=SMALL_LAYOUT,
    )


def _human() -> CohortSpec:
    """The demo's response classes on the GRCh38-shaped genome, with both sexes.

    Six normals (three women, three men) and five patients; P01 (a man) falls to reduced
    then undetectable, P02 (a woman) to undetectable, P03 (a man: gastric cancers carry
    ERBB2 amplifications too) persists, P04 (a woman) has a 17q arm-gain decoy, and P05 (a
    man, with a 2 Mb amplicon) has an on-treatment draw too shallow to judge. 0.5x: about
    128,000 read pairs per sample.
    """
    demo = {p.patient: p for p in _demo().patients}
    p05 = replace(demo["P05"], tumour=replace(demo["P05"].tumour, amplicon_size=2_000_000))
    return CohortSpec(
        name="human",
        n_normals=6,
        normal_depth=0.5,
        plasma_depth=0.5,
        patients=(
            replace(demo["P01"], sex=MALE),
            demo["P02"],
            replace(demo["P03"], sex=MALE),
            demo["P04"],
            replace(p05, sex=MALE, design="not_evaluable (2 Mb amplicon; shallow draw)"),
        ),
        layout=HUMAN_LAYOUT,
        normal_sexes=(FEMALE, MALE, FEMALE, MALE, FEMALE, MALE),
    )


def _human_test() -> CohortSpec:
    """A smaller ``human`` cohort for CI: 4 normals (2 women, 2 men) and P01, P02, P04."""
    human = _human()
    return replace(
        human,
        name="human-test",
        n_normals=4,
        patients=tuple(p for p in human.patients if p.patient in ("P01", "P02", "P04")),
        normal_sexes=(FEMALE, MALE, FEMALE, MALE),
    )


#: Built-in cohorts by preset name.
PRESETS: dict[str, Callable[[], CohortSpec]] = {
    "demo": _demo,
    "test": _test,
    "human": _human,
    "human-test": _human_test,
}


def preset(name: str) -> CohortSpec:
    """The built-in cohort ``name`` (``demo``, ``test``, ``human`` or ``human-test``)."""
    try:
        return PRESETS[name]()
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose from {sorted(PRESETS)}") from None


def derive_seed(seed: int, *keys: str) -> int:
    """A stable 32-bit seed from a cohort seed and names (independent of Python's hash)."""
    words = [seed & 0xFFFFFFFF] + [zlib.crc32(k.encode()) for k in keys]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def is_amplified(tumour: TumourSpec | None, tumour_fraction: float) -> bool:
    """Truth: the tumour has a focal ERBB2 amplicon and is present in plasma (TF > 0).

    A whole-arm 17q gain is not an ERBB2 amplification.
    """
    return tumour is not None and tumour.erbb2_copies is not None and tumour_fraction > 0


def expected_response(
    *,
    baseline_amplified: bool,
    baseline_evaluable: bool,
    baseline_excess: float,
    evaluable: bool,
    tumour_fraction: float,
    excess: float,
) -> str:
    """Expected response label of an on-treatment draw.

    ``excess`` values are plasma copy number minus 2 at ERBB2 (copies). Rules, in order:
    baseline not amplified -> ``baseline_negative``; baseline or this draw not evaluable ->
    ``not_evaluable``; TF 0 or excess below ``UNDETECTABLE_FRACTION`` of baseline ->
    ``undetectable``; excess fallen by at least ``REDUCED_FRACTION`` -> ``reduced``; else
    ``persistent``.
    """
    if not baseline_amplified:
        return "baseline_negative"
    if not (baseline_evaluable and evaluable):
        return "not_evaluable"
    if tumour_fraction <= 0 or excess < UNDETECTABLE_FRACTION * baseline_excess:
        return "undetectable"
    if excess <= (1 - REDUCED_FRACTION) * baseline_excess:
        return "reduced"
    return "persistent"


def sample_truth(
    genome: Genome, tumour: TumourGenome | None, spec: SampleSpec
) -> dict[str, object]:
    """Truth fields of one sample that follow from its design (no patient context)."""
    tf = spec.tumour_fraction if tumour is not None else 0.0
    copies = tumour.erbb2_copies(genome) if tumour is not None else float(NORMAL_COPIES)
    ploidy = round(tumour_ploidy(genome, tumour), 4) if tumour is not None else None
    pcn = expected_pcn(tf, copies)
    amp = tumour.amplicon if tumour is not None else None
    pairs = spec.n_read_pairs(genome)
    return {
        "sample": spec.name,
        "depth": round(pairs * 2 * spec.read_length / genome.acgt_length, 4),
        "read_pairs": pairs,
        "tumour_fraction": tf,
        "erbb2_tumour_copies": copies,
        "amplicon_chrom": amp[0] if amp else "",
        "amplicon_start": amp[1] if amp else "",
        "amplicon_end": amp[2] if amp else "",
        "arm_gain_17q": tumour is not None and tumour.spec.arm_gain_17q is not None,
        "expected_pcn": round(pcn, 6),
        "expected_log2": round(expected_log2(pcn), 6),
        "expected_amplified": is_amplified(tumour.spec if tumour else None, tf),
        "sex": spec.sex,
        "tumour_ploidy": ploidy,
    }


def truth_columns(genome: Genome) -> tuple[str, ...]:
    """Columns of truth.tsv: ``TRUTH_COLUMNS``, plus ``SEX_TRUTH_COLUMNS`` when the genome
    has sex chromosomes (the original presets' truth.tsv stays as it was)."""
    return TRUTH_COLUMNS + (SEX_TRUTH_COLUMNS if genome.has_sex_chromosomes else ())


def simulate_sample(
    genome: Genome,
    spec: SampleSpec,
    outdir: str | Path,
    bam: bool = False,
    fastq: bool = True,
    seed: int | None = None,
    *,
    tumour: TumourSpec | TumourGenome | None = None,
    fastq_dir: str | Path | None = None,
    bam_dir: str | Path | None = None,
) -> dict[str, object]:
    """Simulate one draw and write its reads; return its truth fields and output paths.

    ``tumour`` is the patient's tumour (a design, or an already built genome to share it
    between draws); it defaults to ``spec.tumour`` (``None``: a healthy donor). ``seed``
    overrides ``spec.seed``. Writes ``{name}_R1.fastq.gz``, ``{name}_R2.fastq.gz`` (if
    ``fastq``) and ``{name}.bam`` + ``.bai`` (if ``bam``) under ``outdir`` (or
    ``fastq_dir``/``bam_dir``). The returned dict holds the truth.tsv fields available without
    patient context (``sample, depth, read_pairs, tumour_fraction, erbb2_tumour_copies,
    amplicon_chrom, amplicon_start, amplicon_end, arm_gain_17q, expected_pcn, expected_log2,
    expected_amplified, sex, tumour_ploidy``) plus ``fq1``, ``fq2``, ``bam`` (paths or '') and
    ``tumour_read_fraction`` (realised share of tumour-derived pairs).
    """
    if tumour is None:
        tumour = spec.tumour
    if seed is not None:
        spec = replace(spec, seed=seed)
    tg = make_tumour(genome, tumour) if isinstance(tumour, TumourSpec) else tumour
    frags = simulate_fragments(genome, tg, spec)
    paths = write_reads(
        genome, frags, spec, outdir, fastq=fastq, bam=bam, fastq_dir=fastq_dir, bam_dir=bam_dir
    )
    truth = sample_truth(genome, tg, spec)
    truth["tumour_read_fraction"] = float(frags.tumour.mean()) if len(frags) else 0.0
    for key in ("fq1", "fq2", "bam"):
        truth[key] = str(paths[key]) if key in paths else ""
    return truth


@dataclass(frozen=True)
class PlannedSample:
    """One sample of a cohort, ready to simulate."""

    spec: SampleSpec
    patient: str
    kind: str
    timepoint: int | None
    tumour: TumourGenome | None
    marked_not_evaluable: bool = False
    clone_lost: bool = False


def plan_cohort(
    cohort: CohortSpec, genome: Genome, seed: int, depth: float | None = None
) -> list[PlannedSample]:
    """Every sample of ``cohort`` with derived seeds; ``depth`` (x) overrides all depths."""
    out: list[PlannedSample] = []
    rl = cohort.read_length
    for i in range(1, cohort.n_normals + 1):
        name = f"HD{i:02d}"
        spec = SampleSpec(
            name=name,
            depth=depth if depth is not None else cohort.normal_depth,
            read_length=rl,
            dup_rate=cohort.dup_rate,
            seed=derive_seed(seed, "sample", name),
            sex=cohort.normal_sex(i - 1),
        )
        out.append(PlannedSample(spec, "", "normal", None, None))
    for p in cohort.patients:
        tspec = replace(p.tumour, seed=derive_seed(seed, "tumour", p.patient))
        tumour = make_tumour(genome, tspec)
        for d in sorted(p.draws, key=lambda d: d.day):
            name = f"{p.patient}_D{d.day}"
            drawn = without_amplicon(tumour) if d.clone_lost else tumour
            spec = SampleSpec(
                name=name,
                tumour_fraction=d.tumour_fraction,
                depth=depth if depth is not None else (d.depth or cohort.plasma_depth),
                read_pairs=d.read_pairs,
                read_length=rl,
                dup_rate=cohort.dup_rate,
                seed=derive_seed(seed, "sample", name),
                tumour=drawn.spec,
                sex=p.sex,
            )
            out.append(
                PlannedSample(
                    spec, p.patient, "plasma", d.day, drawn, d.not_evaluable, d.clone_lost
                )
            )
    return out


def expected_explanation(response: str, *, clone_lost: bool, tf: float, baseline_tf: float) -> str:
    """Truth of why a ``reduced`` or ``undetectable`` draw fell: ``erbb2_clone_lost`` when the
    draw's tumour lost its amplified clone, ``tumour_fraction_fell`` when the tumour fraction
    fell, else '' (also for every other response)."""
    if response not in ("reduced", "undetectable"):
        return ""
    if clone_lost:
        return "erbb2_clone_lost"
    return "tumour_fraction_fell" if tf < baseline_tf else ""


def cohort_truth(
    genome: Genome, planned: list[PlannedSample], min_read_pairs: int = MIN_READ_PAIRS
) -> list[dict[str, object]]:
    """truth.tsv rows for planned samples, with expected responses per patient."""
    rows: list[dict[str, object]] = []
    baseline: dict[str, tuple[bool, bool, float, float]] = {}
    for ps in sorted(planned, key=lambda s: (s.patient, s.timepoint or 0)):
        row = sample_truth(genome, ps.tumour, ps.spec)
        evaluable = not ps.marked_not_evaluable and ps.spec.n_read_pairs(genome) >= min_read_pairs
        excess = float(row["expected_pcn"]) - NORMAL_COPIES  # type: ignore[arg-type]
        tf = float(row["tumour_fraction"])  # type: ignore[arg-type]
        row.update(patient=ps.patient, kind=ps.kind, timepoint=ps.timepoint, is_baseline=False)
        row.update(expected_response="", clone_lost=ps.clone_lost, expected_explanation="")
        if ps.kind == "plasma":
            if ps.patient not in baseline:
                baseline[ps.patient] = (bool(row["expected_amplified"]), evaluable, excess, tf)
                row["is_baseline"] = True
            else:
                amp, b_eval, b_excess, b_tf = baseline[ps.patient]
                row["expected_response"] = response = expected_response(
                    baseline_amplified=amp,
                    baseline_evaluable=b_eval,
                    baseline_excess=b_excess,
                    evaluable=evaluable,
                    tumour_fraction=tf,
                    excess=excess,
                )
                row["expected_explanation"] = expected_explanation(
                    response, clone_lost=ps.clone_lost, tf=tf, baseline_tf=b_tf
                )
        rows.append(row)
    order = {ps.spec.name: i for i, ps in enumerate(planned)}
    return sorted(rows, key=lambda r: order[str(r["sample"])])


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else ""
    return str(value)


def write_tsv(path: Path, columns: tuple[str, ...], rows: list[dict[str, object]]) -> None:
    """Write rows as a tab-separated table with a header (booleans as true/false)."""
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in columns])


def write_cohort(
    outdir: str | Path,
    cohort: CohortSpec,
    *,
    seed: int = 1,
    bam: bool = False,
    depth: float | None = None,
    sheet_input: str = "fastq",
    progress: Callable[[str], None] | None = None,
    naming: str = "ucsc",
) -> dict[str, Path]:
    """Simulate ``cohort`` into ``outdir`` (reference, reads, truth, sheet, config).

    ``sheet_input``: ``fastq`` (samples.tsv lists FASTQ) or ``bam`` (lists the true BAMs;
    implies ``bam``). ``depth`` (x) overrides every depth except draws fixed by read count.
    ``naming``: contig names in the ``ucsc`` (chr1, chrM) or ``ensembl`` (1, MT) style; the
    sequence and the reads are the same either way. Returns the main paths by key.
    """
    if sheet_input not in ("fastq", "bam"):
        raise ValueError("sheet_input must be 'fastq' or 'bam'")
    if naming not in NAMINGS:
        raise ValueError(f"naming must be one of {NAMINGS}")
    bam = bam or sheet_input == "bam"
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    genome = name_genome(make_genome(seed, cohort.layout), naming)
    ref = write_reference(genome, out / "reference")
    planned = plan_cohort(cohort, genome, seed, depth)
    truth = cohort_truth(genome, planned, cohort.min_read_pairs)
    sheet: list[dict[str, object]] = []
    for ps in planned:
        if progress is not None:
            progress(f"simulating {ps.spec.name} ({ps.spec.n_read_pairs(genome)} read pairs)")
        res = simulate_sample(
            genome,
            ps.spec,
            out,
            tumour=ps.tumour,
            bam=bam,
            fastq=True,
            fastq_dir=out / "reads",
            bam_dir=out / "bam",
        )
        rel = {
            k: Path(str(res[k])).relative_to(out).as_posix() if res[k] else ""
            for k in ("fq1", "fq2", "bam")
        }
        use_bam = sheet_input == "bam"
        sheet.append(
            {
                "sample": ps.spec.name,
                "patient": ps.patient,
                "kind": ps.kind,
                "timepoint": ps.timepoint,
                "fq1": "" if use_bam else rel["fq1"],
                "fq2": "" if use_bam else rel["fq2"],
                "bam": rel["bam"] if use_bam else "",
            }
        )
    paths = {
        "outdir": out,
        "fasta": ref["fasta"],
        "refflat": ref["refflat"],
        "reads": out / "reads",
        "truth": out / "truth.tsv",
        "samples": out / "samples.tsv",
        "config": out / "config.yaml",
    }
    if bam:
        paths["bam"] = out / "bam"
    write_tsv(paths["truth"], truth_columns(genome), truth)
    write_tsv(paths["samples"], SHEET_COLUMNS, sheet)
    config = {
        "samples": "samples.tsv",
        "reference": {"fasta": "reference/genome.fa", "refflat": "reference/genes.refFlat"},
    }
    paths["config"].write_text(yaml.safe_dump(config, sort_keys=False))
    return paths
