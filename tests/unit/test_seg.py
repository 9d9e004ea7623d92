"""The cohort SEG file for IGV: the table `cnvkit.py export seg` writes, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cfdna_erbb2.errors import InputError
from cfdna_erbb2.seg import seg_table, write_cohort_seg

CNS_HEADER = "chromosome\tstart\tend\tgene\tlog2\tdepth\tprobes\tweight\n"
#: Two samples' segments (0-based starts as CNVkit writes them): an ERBB2 amplicon in A.
SEGMENTS = {
    "P01_D1": (
        "chr1\t10000\t4190000\tG1,G2\t-0.0712416\t0.875474\t66\t65.477\n"
        "chr17\t0\t1500000\tG3\t0.0123\t1.0\t30\t29.9\n"
        "chr17\t1500000\t1800000\tPGAP3,ERBB2\t2.31416\t4.1\t6\t5.8\n"
        "chr17\t1800000\t5000000\tG4\t-0.00123457\t1.0\t64\t63.1\n"
    ),
    "HD-01": (
        "chr1\t10000\t4190000\tG1,G2\t0.00723563\t0.9\t66\t65.1\n"
        "chrX\t0\t900000\t-\t-1\t0.5\t18\t17\n"
    ),
}


def write_cns(folder: Path) -> list[Path]:
    paths = []
    for sample, rows in SEGMENTS.items():
        path = folder / f"{sample}.cns"
        path.write_text(CNS_HEADER + rows)
        paths.append(path)
    return paths


def test_cohort_seg_is_what_cnvkit_export_seg_writes(tmp_path: Path) -> None:
    from cnvlib.cmdutil import write_dataframe
    from cnvlib.export import export_seg

    paths = write_cns(tmp_path)
    n = write_cohort_seg(paths, list(SEGMENTS), tmp_path / "cohort.seg")
    write_dataframe(str(tmp_path / "cnvkit.seg"), export_seg([str(p) for p in paths]))
    assert n == 6
    ours = (tmp_path / "cohort.seg").read_text()
    assert ours == (tmp_path / "cnvkit.seg").read_text()
    assert ours.splitlines()[0] == "ID\tchrom\tloc.start\tloc.end\tnum.mark\tseg.mean"


def test_seg_rows_are_one_based_and_keep_sample_order_and_names(tmp_path: Path) -> None:
    paths = write_cns(tmp_path)
    write_cohort_seg(paths[::-1], list(SEGMENTS)[::-1], tmp_path / "cohort.seg")
    seg = pd.read_csv(tmp_path / "cohort.seg", sep="\t")
    assert list(seg["ID"]) == ["HD-01", "HD-01", "P01_D1", "P01_D1", "P01_D1", "P01_D1"]
    amp = seg[(seg["ID"] == "P01_D1") & (seg["chrom"] == "chr17")].iloc[1]
    # CNVkit's 0-based half-open [1500000, 1800000) is SEG's 1-based closed [1500001, 1800000].
    assert (amp["loc.start"], amp["loc.end"], amp["num.mark"]) == (1500001, 1800000, 6)
    assert amp["seg.mean"] == pytest.approx(2.31416)


def test_segments_without_bin_counts_have_no_num_mark() -> None:
    table = pd.DataFrame({"chromosome": ["1"], "start": [0], "end": [10], "log2": [0.5]})
    seg = seg_table({"S1": table})
    assert list(seg.columns) == ["ID", "chrom", "loc.start", "loc.end", "seg.mean"]
    assert seg.iloc[0].tolist() == ["S1", "1", 1, 10, 0.5]


def test_a_bad_segment_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "S1.cns"
    bad.write_text("chromosome\tstart\tend\n1\t0\t10\n")
    with pytest.raises(InputError, match=r"S1\.cns"):
        write_cohort_seg([bad], ["S1"], tmp_path / "cohort.seg")
    with pytest.raises(ValueError, match="2 segment files for 1 samples"):
        write_cohort_seg([bad, bad], ["S1"], tmp_path / "cohort.seg")
