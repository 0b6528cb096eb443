"""The anchor for extraction at real image sizes: onnxruntime's throughput on
an ONNX classifier (2 threads, batches of 32), asked for the layers `nnitp`
explains by default (`nnitp layers` marks them) and the output, as nnitp's
extraction computes them. Run it before and after `nnitp explain --model
MODEL --data DIR --no-cache --image 0`, whose "extracted layers ... in X s"
over the data's training and test images gives nnitp's rate on the same
machine in the same minutes (docs/performance.md).

Run with onnx, onnxruntime and numpy installed (PyPI), after a release build
of nnitp (`cargo build --release -p nnitp-cli`):
    python benches/onnxruntime_224.py NNITP MODEL.onnx [MODEL.onnx ...] [--images N]
"""

import subprocess
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort


def explained(nnitp, path):
    """The tensors of the layers nnitp explains by default, and the output."""
    out = subprocess.run([nnitp, "layers", "--model", path], capture_output=True, text=True,
                         check=True).stdout
    return [line[line.rindex("(") + 1:-1] for line in out.splitlines()
            if (" explain " in line or " output " in line) and line.rstrip().endswith(")")]


def rate(nnitp, path, images, batch=32):
    model = onnx.load(path)
    have = {o.name for o in model.graph.output}
    for t in explained(nnitp, path):
        if t not in have:
            model.graph.output.append(onnx.ValueInfoProto(name=t))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    first = session.get_inputs()[0]
    shape = [batch] + [d if isinstance(d, int) else 1 for d in first.shape[1:]]
    x = np.random.default_rng(0).random(shape, dtype=np.float32)
    session.run(None, {first.name: x[:1]})
    start, done = time.perf_counter(), 0
    while done < images:
        b = min(batch, images - done)
        session.run(None, {first.name: x[:b]})
        done += b
    return images / (time.perf_counter() - start)


def main():
    args = sys.argv[1:]
    images = 420
    if "--images" in args:
        k = args.index("--images")
        images = int(args[k + 1])
        del args[k:k + 2]
    nnitp, models = args[0], args[1:]
    for path in models:
        print(f"{path}: onnxruntime {rate(nnitp, path, images):.1f} images/s", flush=True)


if __name__ == "__main__":
    main()
