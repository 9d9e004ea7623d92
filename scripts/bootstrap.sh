#!/usr/bin/env bash
# Install what `make demo` and `make test` need, and nothing that is already there.
#
#   1. Command-line tools from Debian: bwa, samtools, tabix and R with DNAcopy. Checked by
#      running them; installed with apt-get only when missing and only as root on Debian/apt.
#      Anywhere else this stops and says what to install (apt line or conda alternative).
#      Chromium (for the browser test of the reports) likewise, but optional: without root
#      or apt it is left out and that test is skipped.
#   2. A Python virtual environment ($VENV, default .venv in the repo root) holding the pinned
#      packages of requirements.lock plus this project (editable). It is (re)installed only
#      when requirements.lock, pyproject.toml or the repo's location changed: a hash of those
#      is kept in $VENV/.cfdna-erbb2-stamp.
#
# Environment: VENV (venv directory, relative to the repo root unless absolute),
#              PYTHON (interpreter that creates the venv, default python3, must be >= 3.11).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="${VENV:-.venv}"
[[ "$VENV" = /* ]] || VENV="$ROOT/$VENV"
PYTHON="${PYTHON:-python3}"
STAMP="$VENV/.cfdna-erbb2-stamp"

say() { printf '[setup] %s\n' "$*"; }
die() {
    printf '[setup] ERROR: %s\n' "$1" >&2
    shift
    (($#)) && printf '[setup]   %s\n' "$@" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------
# 1. System tools
# ---------------------------------------------------------------------------------------------
missing_debian_packages() {
    local pkgs=()
    command -v bwa >/dev/null 2>&1 || pkgs+=(bwa)
    command -v samtools >/dev/null 2>&1 || pkgs+=(samtools)
    command -v tabix >/dev/null 2>&1 || pkgs+=(tabix)
    # r-bioc-dnacopy brings R (Rscript) with it.
    if ! command -v Rscript >/dev/null 2>&1 ||
        ! Rscript -e 'suppressPackageStartupMessages(library(DNAcopy))' >/dev/null 2>&1; then
        pkgs+=(r-bioc-dnacopy)
    fi
    echo "${pkgs[@]:-}"
}

can_apt() {
    [[ "$(id -u)" -eq 0 ]] && [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1
}

APT_UPDATED=0
apt_install() {
    say "installing Debian packages: $*"
    export DEBIAN_FRONTEND=noninteractive
    if ((APT_UPDATED == 0)); then
        apt-get update -qq
        APT_UPDATED=1
    fi
    apt-get install -y -qq --no-install-recommends "$@"
}

read -r -a MISSING <<<"$(missing_debian_packages)"
if ((${#MISSING[@]})); then
    if can_apt; then
        apt_install "${MISSING[@]}"
        read -r -a STILL <<<"$(missing_debian_packages)"
        ((${#STILL[@]} == 0)) || die "still missing after apt-get install: ${STILL[*]}"
    else
        if [[ "$(id -u)" -ne 0 ]]; then why="not running as root"; else why="no apt-get: not Debian"; fi
        die "missing tools: ${MISSING[*]} ($why, so not installing them)." \
            "On Debian/Ubuntu install them with:" \
            "    sudo apt-get install --no-install-recommends ${MISSING[*]}" \
            "or with conda (see environment.yml, which holds everything incl. Python packages):" \
            "    conda env create -f environment.yml && conda activate cfdna-erbb2" \
            "or only the tools:" \
            "    conda install -c conda-forge -c bioconda bwa=0.7.17 samtools=1.16.1 htslib=1.16 r-base bioconductor-dnacopy" \
            "then run this again."
    fi
fi
say "tools present: bwa, samtools, tabix, R with DNAcopy"

# Chromium, for the test that opens the reports in a browser as a user would: optional.
# Installed like the tools above where that can be done (root, apt); elsewhere that test is
# skipped with the reason, and nothing else needs it.
if ! command -v chromium >/dev/null 2>&1; then
    if can_apt; then
        apt_install chromium fonts-dejavu-core ||
            say "could not install chromium: the browser test of the reports will be skipped"
    else
        say "no chromium (not root, or no apt-get): the browser test of the reports will be skipped"
    fi
fi

# ---------------------------------------------------------------------------------------------
# 2. Python virtual environment
# ---------------------------------------------------------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || die "no '$PYTHON' on PATH: install Python 3.11 (Debian: apt-get install python3 python3-venv)."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "$PYTHON is $("$PYTHON" -V 2>&1); this project needs Python >= 3.11 (set PYTHON=/path/to/python3.11)."

want_hash="$(cat requirements.lock pyproject.toml <(echo "$ROOT") | sha256sum | cut -d' ' -f1)"
have_hash="$(cat "$STAMP" 2>/dev/null || true)"

venv_ok() { [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c '' >/dev/null 2>&1; }

if venv_ok && [[ "$want_hash" == "$have_hash" ]]; then
    say "virtual environment up to date: $VENV"
    exit 0
fi

if ! venv_ok; then
    say "creating virtual environment $VENV"
    if ! "$PYTHON" -m venv --clear "$VENV"; then
        # Debian's own python3 creates venvs only with python3-venv installed.
        can_apt || die "'$PYTHON -m venv' failed. On Debian/Ubuntu: sudo apt-get install python3-venv"
        apt_install python3-venv
        "$PYTHON" -m venv --clear "$VENV"
    fi
else
    say "requirements.lock or pyproject.toml changed since the last install (or no stamp): updating $VENV"
fi
rm -f "$STAMP"
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --no-input)
"${PIP[@]}" install --quiet -r requirements.lock
"${PIP[@]}" install --quiet --no-deps -e .
"${PIP[@]}" check >/dev/null || die "pip check found inconsistent packages in $VENV (run: $VENV/bin/pip check)"
echo "$want_hash" >"$STAMP"
say "virtual environment ready: $VENV"
