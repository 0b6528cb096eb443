"""Writes breast-cancer.csv and diabetes.csv from the copies that scikit-learn's
wheel ships (sklearn/datasets/data/), with a header row naming the columns.

    pip download scikit-learn --no-deps -d /tmp/wheels
    python3 make_tables.py /tmp/wheels/scikit_learn-*.whl

Only the standard library is used: the wheel is read as the zip file it is.
Feature names are scikit-learn's (load_breast_cancer, load_diabetes in
sklearn/datasets/_base.py). Row order is the shipped files' order.
"""

import csv
import gzip
import io
import sys
import zipfile
from pathlib import Path

MEASURES = [
    "radius", "texture", "perimeter", "area", "smoothness", "compactness",
    "concavity", "concave points", "symmetry", "fractal dimension",
]
BREAST_CANCER_FEATURES = (
    [f"mean {m}" for m in MEASURES]
    + [f"{m} error" for m in MEASURES]
    + [f"worst {m}" for m in MEASURES]
)
DIABETES_FEATURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def member(wheel, name):
    return wheel.read(f"sklearn/datasets/data/{name}")


def breast_cancer(wheel, out):
    rows = list(csv.reader(io.StringIO(member(wheel, "breast_cancer.csv").decode())))
    n, width, *classes = rows[0]
    assert int(width) == len(BREAST_CANCER_FEATURES) and len(rows) - 1 == int(n)
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(BREAST_CANCER_FEATURES + ["diagnosis"])
        for r in rows[1:]:
            w.writerow(r[:-1] + [classes[int(r[-1])]])


def diabetes(wheel, out):
    data = gzip.decompress(member(wheel, "diabetes_data_raw.csv.gz")).decode().split("\n")
    target = gzip.decompress(member(wheel, "diabetes_target.csv.gz")).decode().split("\n")
    data = [line.split() for line in data if line.strip()]
    target = [float(t) for t in target if t.strip()]
    assert len(data) == len(target) == 442
    with open(out, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(DIABETES_FEATURES + ["progression"])
        for r, t in zip(data, target):
            w.writerow(r + [f"{t:g}"])


if __name__ == "__main__":
    here = Path(__file__).parent
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        breast_cancer(wheel, here / "breast-cancer.csv")
        diabetes(wheel, here / "diabetes.csv")
