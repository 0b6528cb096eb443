"""nnitp's interpolants beside alibi's AnchorTabular on the same breast cancer model and
the same test rows: mean precision and coverage on the test rows, conjuncts per
explanation, and seconds per explanation, from one run. Run by hand:

    python3 -m venv /tmp/anchors && /tmp/anchors/bin/pip install alibi onnxruntime click
    cargo build --release -p nnitp-cli
    /tmp/anchors/bin/python benches/anchors_tabular.py --nnitp target/release/nnitp

Both explain the class `breast-cancer-mlp` gives each of the 114 test rows. nnitp
explains at layer 0 (the 30 features) with its defaults (alpha 0.98); AnchorTabular
with its defaults (precision threshold 0.95, quartile bins fitted on the 455 training
rows). The model is the one `nnitp export model.onnx` writes, run by onnxruntime.
Precision and coverage are measured the same way for both, on the test rows: coverage
is the fraction of test rows that satisfy the explanation, precision the fraction of
those the model gives the explained row's class.
"""

import argparse
import json
import re
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
from alibi.explainers import AnchorTabular

MODEL = "breast-cancer-mlp"
# AnchorTabular prints thresholds with two decimals: the features are given to it
# scaled by 1000 (quantile bins do not care), so that its rules are exact enough to
# be evaluated again here.
SCALE = 1000.0


def nnitp(binary, *args):
    out = subprocess.run([binary, *args, "--model", MODEL, "-q"], check=True,
                         capture_output=True, text=True)
    return out.stdout


def load(folder):
    train = np.load(folder / "train" / "images.npy").reshape(-1, 30)
    test = np.load(folder / "test" / "images.npy").reshape(-1, 30)
    return train, test


def satisfied_by_interpolant(bounds, rows):
    sat = np.ones(len(rows), dtype=bool)
    for b in bounds:
        column = rows[:, b["unit"][0]]
        sat &= column >= b["value"] if b["op"] == ">=" else column <= b["value"]
    return sat


ANCHOR = [
    (re.compile(r"^(-?[\d.]+) < f(\d+) <= (-?[\d.]+)$"),
     lambda m, x: (x[:, int(m[2])] > float(m[1])) & (x[:, int(m[2])] <= float(m[3]))),
    (re.compile(r"^f(\d+) <= (-?[\d.]+)$"), lambda m, x: x[:, int(m[1])] <= float(m[2])),
    (re.compile(r"^f(\d+) > (-?[\d.]+)$"), lambda m, x: x[:, int(m[1])] > float(m[2])),
]


def satisfied_by_anchor(anchor, rows):
    sat = np.ones(len(rows), dtype=bool)
    for part in anchor:
        for pattern, holds in ANCHOR:
            m = pattern.match(part)
            if m:
                sat &= holds(m, rows * SCALE)
                break
        else:
            raise ValueError(f"an anchor of an unknown form: {part!r}")
    return sat


def figures(name, sats, predicted, sizes, seconds):
    precision, coverage = [], []
    for i, sat in enumerate(sats):
        coverage.append(sat.mean())
        # the explained row satisfies its own explanation, so sat is never empty
        precision.append((predicted[sat] == predicted[i]).mean() if sat.any() else 0.0)
    return (f"| {name} | {np.mean(precision):.4f} | {np.mean(coverage):.4f} | "
            f"{np.mean(sizes):.2f} | {np.mean(seconds):.4f} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nnitp", default="target/release/nnitp", help="the nnitp binary")
    ap.add_argument("--seed", type=int, default=0, help="AnchorTabular's numpy seed")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp())
    nnitp(args.nnitp, "export", str(work / "acts"), "--no-cache")
    nnitp(args.nnitp, "export", str(work / "model.onnx"))
    train, test = load(work / "acts")
    session = ort.InferenceSession(str(work / "model.onnx"), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name

    def predict(rows):
        x = (np.asarray(rows, dtype=np.float32) / SCALE).reshape(-1, 30, 1, 1)
        return session.run(None, {name: x})[0].argmax(axis=1)

    predicted = predict(test * SCALE)
    # the ONNX form gives the classes nnitp's own run gives
    ours = np.load(work / "acts" / "test" / "layer_5.npy").argmax(axis=1)
    assert (predicted == ours).all(), "onnxruntime and nnitp disagree on a class"

    n_sats, n_sizes, n_secs, n_walls = [], [], [], []
    for i in range(len(test)):
        start = time.perf_counter()
        out = nnitp(args.nnitp, "explain", "--split", "test", "--image", str(i), "--layer",
                    "0", "--drill", "0", "--json", "--no-cache")
        n_walls.append(time.perf_counter() - start)
        e = json.loads(out.splitlines()[0])
        n_sats.append(satisfied_by_interpolant(e["interpolant"], test))
        n_sizes.append(len({(b["unit"][0], b["op"]) for b in e["interpolant"]}))
        n_secs.append(e["search_seconds"])

    np.random.seed(args.seed)
    explainer = AnchorTabular(predict, [f"f{j}" for j in range(30)], seed=args.seed)
    explainer.fit(train * SCALE, disc_perc=(25, 50, 75))
    a_sats, a_sizes, a_secs = [], [], []
    for i in range(len(test)):
        start = time.perf_counter()
        exp = explainer.explain(test[i:i + 1] * SCALE)
        a_secs.append(time.perf_counter() - start)
        a_sats.append(satisfied_by_anchor(exp.anchor, test))
        a_sizes.append(len(exp.anchor))

    print(f"{len(test)} test rows of {MODEL}")
    print("| method | mean precision | mean coverage | conjuncts | seconds per explanation |")
    print("|---|---|---|---|---|")
    print(figures("nnitp, search (layer 0)", n_sats, predicted, n_sizes, n_secs))
    print(figures("nnitp, whole command", n_sats, predicted, n_sizes, n_walls))
    print(figures("AnchorTabular", a_sats, predicted, a_sizes, a_secs))


if __name__ == "__main__":
    main()
