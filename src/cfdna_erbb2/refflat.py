"""Read gene models in UCSC refFlat format (as CNVkit's ``--annotate`` takes them)."""

from __future__ import annotations

import csv
import io
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from .contigs import NON_PRIMARY, is_primary
from .errors import InputError
from .tsv import read_fai

#: The 11 columns of refFlat: geneName name chrom strand txStart txEnd cdsStart cdsEnd
#: exonCount exonStarts exonEnds (0-based starts, as in UCSC tables).
REFFLAT_COLUMNS = (
    "gene", "name", "chromosome", "strand", "start", "end",
    "cds_start", "cds_end", "exon_count", "exon_starts", "exon_ends",
)  # fmt: skip


def _data_lines(path: Path) -> list[tuple[int, str]]:
    """(line number as an editor shows it, text) of every line but comments ('#') and blanks."""
    try:
        text = path.read_text()
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not a text file ({exc})") from exc
    numbered = [
        (number, line)
        for number, line in enumerate(text.split("\n"), start=1)
        if line.strip() and not line.startswith("#")
    ]
    if not numbered:
        raise InputError(path, "empty refFlat file")
    width = numbered[0][1].count("\t") + 1
    for number, line in numbered:
        columns = line.count("\t") + 1
        if columns > width:
            raise InputError(
                path, f"{columns} columns, more than the first line's {width}", line=number
            )
    return numbered


def read_refflat(path: str | Path) -> pd.DataFrame:
    """Genes as a table: gene, chromosome, start, end (bp, 0-based half-open), strand.

    Transcripts of one gene on one chromosome are merged into their outer span.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "refFlat gene annotation not found")
    numbered = _data_lines(path)
    table = pd.read_csv(
        io.StringIO("\n".join(line for _, line in numbered)),
        sep="\t",
        header=None,
        dtype=str,
        keep_default_na=False,
        quoting=csv.QUOTE_NONE,  # one line, one record: line numbers stay right
    )
    if table.shape[1] < 6:
        raise InputError(path, f"refFlat needs 11 tab-separated columns, found {table.shape[1]}")
    table = table.iloc[:, : len(REFFLAT_COLUMNS)]
    table.columns = list(REFFLAT_COLUMNS[: table.shape[1]])
    for col in ("start", "end"):
        values = pd.to_numeric(table[col], errors="coerce")
        bad = values.isna().to_numpy().nonzero()[0]
        if bad.size:
            line = numbered[int(bad[0])][0]
            raise InputError(path, "not an integer coordinate", line=line, field=col)
        table[col] = values.astype("int64")
    spans = table.groupby(["gene", "chromosome"], sort=False).agg(
        start=("start", "min"), end=("end", "max"), strand=("strand", "first")
    )
    return spans.reset_index().sort_values(["chromosome", "start"], ignore_index=True)


def check_gene(path: str | Path, gene: str) -> pd.Series:
    """The refFlat record of ``gene`` on a primary chromosome.

    Real annotations list many genes also on alt, fix-patch and unplaced contigs (UCSC's
    refFlat has ERBB2 on chr17 and chr17_KI270909v1_alt): the gene is measured on its
    primary chromosome only (:mod:`cfdna_erbb2.contigs`). Raises InputError naming the file
    when the gene is absent, or present only on contigs that carry no bins.
    """
    genes = read_refflat(path)
    hits = genes[genes["gene"] == gene]
    if hits.empty:
        raise InputError(
            path,
            f"gene {gene} is not in the refFlat annotation (column 1, geneName): bins could "
            "not be labelled with it and its amplification could not be measured",
            field="geneName",
        )
    chroms = hits["chromosome"].astype(str)
    primary = hits[chroms.map(is_primary)]
    if primary.empty:
        primary = hits[~chroms.map(lambda c: bool(NON_PRIMARY.match(c)))]
    if primary.empty:
        raise InputError(
            path,
            f"gene {gene} is only on non-primary contigs ({', '.join(sorted(set(chroms)))}), "
            "which carry no copy-number bins: use an annotation that places it on its "
            "chromosome (chr17 for ERBB2)",
            field="chrom",
        )
    return primary.iloc[0]


def genes_near(path: str | Path, gene: str, window_bp: int = 3_000_000) -> pd.DataFrame:
    """Genes within ``window_bp`` of ``gene`` on its chromosome (for the locus zoom plot)."""
    genes = read_refflat(path)
    focus = check_gene(path, gene)
    near = genes[
        (genes["chromosome"] == focus["chromosome"])
        & (genes["end"] >= focus["start"] - window_bp)
        & (genes["start"] <= focus["end"] + window_bp)
    ]
    return near.rename(columns={"gene": "name"}).reset_index(drop=True)


#: Known builds' 17q12 coordinates, package data (works from a wheel as from a checkout).
BUILDS_TABLE = files("cfdna_erbb2") / "data" / "17q12.tsv"


def _builds(table: str | Path | Traversable) -> pd.DataFrame:
    with table.open() if isinstance(table, Traversable) else Path(table).open() as fh:
        return pd.read_csv(fh, sep="\t", comment="#")


def known_build(fai: str | Path, table: str | Path | Traversable = BUILDS_TABLE) -> str | None:
    """The build (GRCh38, GRCh37) whose chr17 length the FASTA index shows, else None."""
    builds = _builds(table)
    lengths = read_fai(fai)
    chr17 = lengths.get("chr17", lengths.get("17"))
    hits = builds.loc[builds["chr17_length"] == chr17, "build"]
    return str(hits.iloc[0]) if len(hits) else None


def check_gene_matches_build(
    refflat: str | Path, fai: str | Path, gene: str, table: str | Path | Traversable = BUILDS_TABLE
) -> str | None:
    """Check the refFlat's ``gene`` lies where the FASTA's build puts it; returns the build.

    Raises InputError naming the refFlat when a GRCh38/GRCh37 FASTA is paired with a refFlat
    whose gene is elsewhere (another build). Unknown builds (e.g. synthetic) pass.
    """
    build = known_build(fai, table)
    if build is None:
        return None
    builds = _builds(table)
    known = builds[(builds["build"] == build) & (builds["gene"] == gene)]
    if known.empty:
        return build
    record = check_gene(refflat, gene)
    expected = known.iloc[0]
    same_chrom = str(record["chromosome"]).removeprefix("chr") == "17"
    overlaps = int(record["start"]) < int(expected["end"]) and int(record["end"]) > int(
        expected["start"]
    )
    if not (same_chrom and overlaps):
        raise InputError(
            refflat,
            f"{gene} is at {record['chromosome']}:{record['start']}-{record['end']} in the "
            f"refFlat, but the FASTA is {build} (chr17 length), where {gene} is at "
            f"chr17:{expected['start']}-{expected['end']}: the refFlat is from another build",
            field="txStart",
        )
    return build
