"""Check a study's config and reference before any job: one clear error naming file and key.

The workflow reads ``config/config.yaml`` (the defaults: scientific parameters only) and
merges the study's ``--configfile`` over it. :func:`check_config` looks at each file as the
user wrote it, so an error names the file that set (or should have set) the key, e.g.
``my/config.yaml: key 'erbb2.z_min': -1 is less than or equal to the minimum of 0``.
:func:`check_reference` checks that the refFlat fits the FASTA (gene present, same
chromosome names, same build).

``python -m cfdna_erbb2.config my/config.yaml`` checks a config file on its own, with the
line of a YAML syntax error (Snakemake reads ``--configfile`` before the workflow starts
and names neither the file nor the line).
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError
from .refflat import check_gene, check_gene_matches_build
from .response import ResponseParams
from .tsv import read_fai

#: Keys every study must set in its own config: the defaults carry no paths, so that a
#: user's run never falls back silently to another study's sheet or genome.
STUDY_KEYS: dict[tuple[str, ...], str] = {
    ("samples",): "the samples sheet (TSV)",
    ("reference", "fasta"): "the genome FASTA the reads are (or will be) aligned to",
    ("reference", "refflat"): "the UCSC refFlat gene models of that genome",
}

#: The defaults file of the repository, relative to its root.
DEFAULTS = Path("config") / "config.yaml"
#: The config's JSON schema, relative to the repository root.
SCHEMA = Path("workflow") / "schemas" / "config.schema.yaml"


@dataclass(frozen=True)
class ConfigSource:
    """One layer of the merged config: a file (or ``--config``) and the keys it sets."""

    name: str
    values: Mapping[str, Any]


def load_yaml(path: str | Path) -> dict[str, Any]:
    """The mapping a YAML file holds ({} when empty).

    Raises InputError naming the file, and the line and column of a syntax error.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "config file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the config file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = exc.problem or exc.context or "syntax error"
        raise InputError(
            path,
            f"{where}not valid YAML ({problem}); indent with spaces only, "
            "and write each key as 'key: value'",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InputError(
            path, f"a config file holds 'key: value' lines, not a {type(data).__name__}"
        )
    return data


def dotted(key: Sequence[object]) -> str:
    """A nested key as users write it: ``erbb2.z_min``."""
    return ".".join(str(part) for part in key)


def _lookup(values: Mapping[str, Any], key: Sequence[object]) -> tuple[bool, Any]:
    node: Any = values
    for part in key:
        if not isinstance(node, Mapping) or part not in node:
            return False, None
        node = node[part]
    return True, node


def source_of(key: Sequence[object], sources: Sequence[ConfigSource]) -> str | None:
    """The last source that sets ``key`` (the one whose value the merged config holds)."""
    for source in reversed(sources):
        if _lookup(source.values, key)[0]:
            return source.name
    return None


def _unknown_keys(
    values: Mapping[str, Any], schema: Mapping[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], list[str]]]:
    """(key, the keys allowed beside it) for every key the schema does not know."""
    props: Mapping[str, Any] = schema.get("properties", {})
    found = []
    for name, value in values.items():
        if name not in props:
            if schema.get("additionalProperties", True) is False:
                found.append(((*prefix, str(name)), sorted(props)))
        elif isinstance(value, Mapping):
            found += _unknown_keys(value, props[name], (*prefix, str(name)))
    return found


def _check_unknown(sources: Sequence[ConfigSource], schema: Mapping[str, Any]) -> None:
    for source in sources:
        for key, allowed in _unknown_keys(source.values, schema):
            close = difflib.get_close_matches(key[-1], allowed, n=1)
            hint = f"did you mean '{dotted((*key[:-1], close[0]))}'? " if close else ""
            where = f"keys of '{dotted(key[:-1])}'" if len(key) > 1 else "top-level keys"
            raise InputError(
                source.name,
                f"key '{dotted(key)}' is not a config key; {hint}"
                f"{where}: {', '.join(allowed)} (config/README.md)",
            )


def _check_study_keys(config: Mapping[str, Any], user_files: Sequence[str]) -> None:
    for key, meaning in STUDY_KEYS.items():
        parent_found, parent = _lookup(config, key[:-1])
        if parent_found and not isinstance(parent, Mapping):
            continue  # e.g. `reference: x.fa`: a type error, which the schema check reports
        present, value = _lookup(config, key)
        if present and value not in (None, ""):
            continue
        message = (
            f"key '{dotted(key)}' is missing ({meaning}): set it in the study's config.yaml "
            "(the defaults name no files; README: Running on your data)"
        )
        if not user_files:
            raise InputError(None, f"no --configfile given: {message}")
        raise InputError(user_files[-1], message)


def _schema_node(schema: Mapping[str, Any], key: Sequence[object]) -> Mapping[str, Any]:
    node = schema
    for part in key:
        node = node.get("properties", {}).get(part, {})
    return node


def _check_schema(
    config: Mapping[str, Any], sources: Sequence[ConfigSource], schema: Mapping[str, Any]
) -> None:
    import jsonschema  # a dependency of Snakemake, pinned in requirements.lock

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: [str(p) for p in e.path])
    if not errors:
        return
    error = errors[0]
    key = [str(p) for p in error.absolute_path]
    # A oneOf (e.g. bins.size: a number or "auto") says most through a branch's own error.
    branches = [e for e in error.context or [] if e.validator != "type"] or error.context or []
    problem = branches[0].message if branches else error.message
    meaning = _schema_node(schema, key).get("description")
    name = f"key '{dotted(key)}'" if key else "the config"
    raise InputError(
        source_of(key, sources) if key else sources[-1].name,
        f"{name}: {problem}" + (f" ({meaning})" if meaning else ""),
    )


def _check_bins(config: Mapping[str, Any], sources: Sequence[ConfigSource]) -> None:
    bins = config["bins"]
    if bins["min_size"] > bins["max_size"]:
        keys = [("bins", "min_size"), ("bins", "max_size")]
        names = [source_of(k, sources) for k in keys]
        order = [s.name for s in sources]
        blamed = max(names, key=lambda n: order.index(n) if n in order else -1)
        raise InputError(
            blamed,
            f"key 'bins.min_size' ({bins['min_size']} bp) is larger than 'bins.max_size' "
            f"({bins['max_size']} bp): the auto bin size is clamped between the two",
        )


def _check_response(config: Mapping[str, Any], sources: Sequence[ConfigSource]) -> None:
    """The response thresholds together, as the response stage will take them
    (:class:`cfdna_erbb2.response.ResponseParams`: e.g. ``undetectable_level`` at most
    ``1 - reduction``, ``clone_loss_margin`` at least 1), before any job runs."""
    section = config["response"]
    try:
        ResponseParams(
            **{k: section[k] for k in ResponseParams.__dataclass_fields__ if k in section}
        )
    except InputError as exc:
        key = ("response", str(exc.field))
        raise InputError(source_of(key, sources), f"key '{dotted(key)}': {exc.message}") from None


def check_config(
    config: Mapping[str, Any], sources: Sequence[ConfigSource], schema: Mapping[str, Any]
) -> None:
    """Raise InputError, naming the file and key, at the first problem of the merged config.

    ``sources`` are the layers in the order they were merged: the defaults file first, then
    each ``--configfile``, then ``--config`` values. In order: keys the ``schema`` does not
    know (with the closest known key), study keys no study file sets (:data:`STUDY_KEYS`),
    values of the wrong type or range, ``bins.min_size`` above ``bins.max_size``, and response
    thresholds that do not fit together.
    """
    _check_unknown(sources, schema)
    user_files = [s.name for s in sources[1:] if s.name != "--config"]
    _check_study_keys(config, user_files)
    _check_schema(config, sources, schema)
    _check_bins(config, sources)
    _check_response(config, sources)


def check_study_files(config: Mapping[str, Any], sources: Sequence[ConfigSource]) -> None:
    """Raise InputError, naming the file and key, when a study key names no file.

    Relative paths are taken from the current directory (the workflow's working directory).
    """
    for key, meaning in STUDY_KEYS.items():
        path = Path(str(_lookup(config, key)[1]))
        if not path.is_file():
            raise InputError(
                source_of(key, sources),
                f"key '{dotted(key)}': {path} not found ({meaning}; relative paths are "
                f"taken from {Path.cwd()})",
            )


def fasta_index(fasta: str | Path) -> Path | None:
    """The FASTA index (.fai) beside ``fasta``, or None when there is none."""
    fai = Path(f"{fasta}.fai")
    return fai if fai.is_file() else None


def _other_naming(chrom: str, contigs: Mapping[str, int]) -> str | None:
    """The FASTA's name for ``chrom`` under the other naming style (17 <-> chr17), if any."""
    other = chrom.removeprefix("chr") if chrom.startswith("chr") else f"chr{chrom}"
    return other if other in contigs else None


def check_contigs(
    refflat: str | Path, contigs: Mapping[str, int], gene: str, fasta: str | Path
) -> None:
    """Raise InputError naming the refFlat unless ``gene`` lies on a contig of the FASTA.

    ``contigs`` maps the FASTA's contig names to their lengths (bp), as its .fai lists them.
    """
    record = check_gene(refflat, gene)
    chrom, end = str(record["chromosome"]), int(record["end"])
    if chrom not in contigs:
        other = _other_naming(chrom, contigs)
        if other:
            hint = (
                f"it calls it '{other}': the refFlat and the FASTA name chromosomes "
                "differently; use a refFlat with the FASTA's names"
            )
        else:
            shown = ", ".join(list(contigs)[:5]) + (" ..." if len(contigs) > 5 else "")
            hint = f"its contigs: {shown}; use the refFlat of the FASTA's genome"
        raise InputError(
            refflat,
            f"{gene} is on chromosome '{chrom}', which the FASTA {fasta} does not have ({hint})",
            field="chrom",
        )
    if end > contigs[chrom]:
        raise InputError(
            refflat,
            f"{gene} ends at {chrom}:{end}, beyond the end of {chrom} in the FASTA {fasta} "
            f"({contigs[chrom]} bp): the refFlat is from another genome build",
            field="txEnd",
        )


def check_reference(
    fasta: str | Path, refflat: str | Path, gene: str, fai: str | Path | None
) -> str | None:
    """Check the refFlat against the FASTA; returns the build (GRCh38, GRCh37) or None.

    Without ``fai`` (the FASTA's index) only the refFlat itself is checked: it exists and
    holds ``gene``. With it, also that the gene's chromosome has the FASTA's name and
    length and, for a known human build, that the gene sits where that build puts it.
    """
    check_gene(refflat, gene)
    if fai is None:
        return None
    check_contigs(refflat, read_fai(fai), gene, fasta)
    return check_gene_matches_build(refflat, fai, gene)


def merge(sources: Sequence[ConfigSource]) -> dict[str, Any]:
    """The sources merged as Snakemake merges config files: nested keys, later wins."""

    def update(into: dict[str, Any], values: Mapping[str, Any]) -> None:
        for key, value in values.items():
            if isinstance(value, Mapping) and isinstance(into.get(key), dict):
                update(into[key], value)
            else:
                into[key] = dict(value) if isinstance(value, Mapping) else value

    merged: dict[str, Any] = {}
    for source in sources:
        update(merged, source.values)
    return merged


def study_sources(
    defaults: str | Path, configfiles: Sequence[str | Path], overrides: Mapping[str, Any]
) -> list[ConfigSource]:
    """The config's layers as the workflow merges them: defaults, --configfile(s), --config."""
    sources = [ConfigSource(str(defaults), load_yaml(defaults))]
    sources += [ConfigSource(str(path), load_yaml(path)) for path in configfiles]
    if overrides:
        sources.append(ConfigSource("--config", dict(overrides)))
    return sources


def main(argv: Sequence[str] | None = None) -> int:
    """Check study config files as the workflow would: the defaults merged with each file.

    Needs the repository (the defaults and the schema), as the workflow does.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print("usage: python -m cfdna_erbb2.config STUDY_CONFIG.yaml", file=sys.stderr)
        return 0 if args else 2
    root = Path(__file__).resolve().parents[2]
    try:
        sources = study_sources(root / DEFAULTS, args, {})
        check_config(merge(sources), sources, load_yaml(root / SCHEMA))
    except InputError as exc:
        print(f"Bad input: {exc}", file=sys.stderr)
        return 2
    print(f"{', '.join(args)}: config OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
