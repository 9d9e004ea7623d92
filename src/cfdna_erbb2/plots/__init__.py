"""Pictures for the report: one module per figure, fed the tables the pipeline writes.

Each figure module has a ``*_figure(...)`` function that draws the picture on its own
:class:`matplotlib.figure.Figure` and returns it (so tests can read what is drawn) and a
``plot_*(..., out)`` function that writes it in the format its suffix names (.png, .svg or
.pdf) and returns the path. Sizes, palette and the shared table readers are in
:mod:`~cfdna_erbb2.plots.style`.

A table that lacks a column a picture needs raises :class:`~cfdna_erbb2.errors.InputError`
naming the column and the picture, before anything is drawn. When a table carries its source
file in ``table.attrs["path"]``, the error names that file too.
"""

from __future__ import annotations

from .cohort import cohort_figure, plot_cohort
from .fragments import fragments_figure, plot_fragment_lengths
from .genome import genome_figure, plot_genome
from .qc import plot_qc_overview, qc_figure
from .style import DPI
from .trajectory import plot_patient_trajectory, trajectory_figure

__all__ = [
    "DPI",
    "cohort_figure",
    "fragments_figure",
    "genome_figure",
    "plot_cohort",
    "plot_fragment_lengths",
    "plot_genome",
    "plot_patient_trajectory",
    "plot_qc_overview",
    "qc_figure",
    "trajectory_figure",
]
