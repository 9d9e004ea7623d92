#!/usr/bin/env bash
# Run the whole workflow on the built-in synthetic demo cohort (called by `make demo`, after
# scripts/bootstrap.sh). The cohort is simulated once into demo/ (delete demo/ or run
# `make clean` to make it again); Snakemake then reruns only what is out of date.
#
# Environment: VENV (default .venv), DEMO_CORES (default 2).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${VENV:-.venv}"
[[ "$VENV" = /* ]] || VENV="$ROOT/$VENV"
# Rules call cnvkit.py and the project's CLI by name: they live in the venv.
export PATH="$VENV/bin:$PATH"
CORES="${DEMO_CORES:-2}"
DEMO="$ROOT/demo"

say() { printf '[demo] %s\n' "$*"; }

[[ -x "$VENV/bin/cfdna-erbb2" ]] || {
    say "ERROR: $VENV/bin/cfdna-erbb2 not found: run 'make setup' (scripts/bootstrap.sh) first." >&2
    exit 1
}

if [[ -f "$DEMO/truth.tsv" ]]; then
    say "demo cohort already simulated: $DEMO (delete it to simulate again)"
else
    say "simulating the demo cohort into $DEMO"
    "$VENV/bin/cfdna-erbb2" simulate --preset demo --outdir "$DEMO" --seed 1
fi

if [[ ! -f "$ROOT/Snakefile" ]]; then
    say "ERROR: the workflow (Snakefile) is not there yet; the demo cohort is in $DEMO." >&2
    exit 1
fi

SMK=(
    "$VENV/bin/snakemake"
    -s "$ROOT/Snakefile"
    --directory "$DEMO"
    --configfile "$DEMO/config.yaml"
    --workflow-profile "$ROOT/workflow/profiles/default"
    --cores "$CORES"
)
say "running the workflow on $CORES cores"
"${SMK[@]}"
say "writing the report"
"${SMK[@]}" --report "$DEMO/results/report.html"

say "done. Results:"
say "  ERBB2 measurement and call per sample:  demo/results/erbb2/calls.tsv"
say "  molecular response per patient:        demo/results/response/patients.tsv"
say "  report (open in a browser):            demo/results/report.html"
