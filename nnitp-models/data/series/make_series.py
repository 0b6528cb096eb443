"""Copies GunPoint's training and test series, in the UCR/UEA `.ts` format, from the
copy that aeon's wheel ships (aeon/datasets/data/GunPoint/), gzip-compressed.

    pip download aeon==1.6.0 --no-deps -d /tmp/wheels
    python3 make_series.py /tmp/wheels/aeon-1.6.0-py3-none-any.whl

Only the standard library is used: the wheel is read as the zip file it is. The bytes
are the shipped files' bytes (mtime 0 in the gzip header, so reruns write the same files).
"""

import gzip
import sys
import zipfile
from pathlib import Path

if __name__ == "__main__":
    here = Path(__file__).parent
    with zipfile.ZipFile(sys.argv[1]) as wheel:
        for split in ["TRAIN", "TEST"]:
            raw = wheel.read(f"aeon/datasets/data/GunPoint/GunPoint_{split}.ts")
            with open(here / f"GunPoint_{split}.ts.gz", "wb") as f:
                f.write(gzip.compress(raw, compresslevel=9, mtime=0))
