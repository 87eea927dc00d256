"""Compare two tempo fits on the same cross-validation folds (or two evaluate.py runs), piece by piece.

    python bench/audio/tune.py ... --fold-seed 1 --cv-only --cv-out bench/out/cv-a1.json
    python bench/audio/tune.py ... --fold-seed 1 --cv-only --cv-out bench/out/cv-b1.json   # the change
    python bench/audio/compare_folds.py --a bench/out/cv-a1.json --b bench/out/cv-b1.json

Mean accuracies over fold seeds re-deal the same 71 tuning pieces: they say how much a change
owes to the deal, not to the pieces. This pairs every held-back file of fit A with the same
file of fit B (averaged over the files given for each side, one per fold seed) and bootstraps
the difference over pieces, every view of a piece drawn together since they share the music.
The tenth session's refit gained 1-4 points on the folds' means and lost on the held-out
parts; an interval that excludes zero is the bar for the next change.

`evaluate.py --out FILE` writes the same records for ours on the sets it scores, so two models
scored on the held-out parts compare the same way (`--a old.json --b new.json`).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

MEASURES = ("acc1", "acc2", "key")  # key: evaluate.py's weighted key score, on key-labelled sets only


def load_hits(paths: list[Path]) -> dict[tuple[str, str], dict]:
    """{(view, file): {"piece", "acc1", "acc2", "key"}}, each measure averaged over the runs (fold
    seeds); "key" is None where a record has none (tune.py's folds, sets without key labels)."""
    runs = []
    for path in paths:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or "files" not in data:
            raise SystemExit(f"{path} holds no per-file results: write it with tune.py --cv-out or evaluate.py --out")
        runs.append(data["files"])
    keys = set.intersection(*({(r["view"], r["file"]) for r in run} for run in runs))
    out: dict[tuple[str, str], dict] = {}
    for run in runs:
        for record in run:
            key = (record["view"], record["file"])
            if key not in keys:
                continue
            entry = out.setdefault(key, {"piece": record["piece"], "acc1": 0.0, "acc2": 0.0, "key": 0.0})
            for measure in MEASURES:
                if record.get(measure) is None or entry[measure] is None:
                    entry[measure] = None
                else:
                    entry[measure] += float(record[measure]) / len(runs)
    return out


def paired_difference(a: dict, b: dict, *, samples: int = 10000, seed: int = 0) -> dict[str, dict]:
    """Per view and over all views: B minus A for each measure, its 95 % interval from a
    bootstrap over pieces, the share of draws where B is not better, and the files gained and
    lost at Acc1 (files in both A and B only)."""
    common = sorted(set(a) & set(b))
    if not common:
        raise ValueError("the two fits share no held-back file: were they run on the same corpus and views?")
    pieces = sorted({a[key]["piece"] for key in common})
    index = {piece: i for i, piece in enumerate(pieces)}
    views = sorted({view for view, _ in common})
    rng = np.random.default_rng(seed)
    draws = np.stack(
        [np.bincount(rng.integers(0, len(pieces), len(pieces)), minlength=len(pieces)) for _ in range(samples)]
    )
    out = {}
    for view in [*views, "all"]:
        keys = [key for key in common if view in ("all", key[0])]
        result: dict = {"files": len(keys)}
        for measure in MEASURES:
            scored = [key for key in keys if a[key].get(measure) is not None and b[key].get(measure) is not None]
            if not scored:
                continue  # no key labels in this view (tune.py's folds, tempo-only sets)
            counts = np.bincount([index[a[key]["piece"]] for key in scored], minlength=len(pieces)).astype(float)
            by_piece = np.zeros(len(pieces))
            for key in scored:
                by_piece[index[a[key]["piece"]]] += b[key][measure] - a[key][measure]
            total = draws @ counts
            resampled = np.divide(draws @ by_piece, total, out=np.zeros(samples), where=total > 0)
            result[measure] = {
                "files": len(scored),
                "a": round(float(np.mean([a[key][measure] for key in scored])), 3),
                "b": round(float(np.mean([b[key][measure] for key in scored])), 3),
                "difference": round(float(by_piece.sum() / counts.sum()), 4),
                "interval95": [round(float(x), 4) for x in np.percentile(resampled, [2.5, 97.5])],
                "share_not_better": round(float(np.mean(resampled <= 0)), 4),
            }
        result["gained"] = sum(b[key]["acc1"] > a[key]["acc1"] for key in keys)
        result["lost"] = sum(b[key]["acc1"] < a[key]["acc1"] for key in keys)
        out[view] = result
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", type=Path, nargs="+", required=True, help="tune.py --cv-out files of the baseline")
    parser.add_argument("--b", type=Path, nargs="+", required=True, help="... of the change (same fold seeds)")
    parser.add_argument("--samples", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--views", help="only the views whose name matches this regular expression")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    a, b = load_hits(args.a), load_hits(args.b)
    if args.views:
        a = {key: hit for key, hit in a.items() if re.search(args.views, key[0])}
    result = paired_difference(a, b, samples=args.samples, seed=args.seed)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    for view, r in result.items():
        parts = []
        for measure in (measure for measure in MEASURES if measure in r):
            m = r[measure]
            lo, hi = m["interval95"]
            scope = "" if m["files"] == r["files"] else f" (on {m['files']} files)"
            parts.append(
                f"{measure}{scope} {m['a']:.3f} -> {m['b']:.3f} ({m['difference']:+.3f} [{lo:+.3f}, {hi:+.3f}], "
                f"not better in {m['share_not_better']:.0%})"
            )
        print(f"{view:24s} ({r['files']:4d} files; Acc1 +{r['gained']:.0f} -{r['lost']:.0f}): " + "; ".join(parts))


if __name__ == "__main__":
    main()
