"""Which published architectures nnitp reads, each layer checked against
onnxruntime: run by hand (it exports every model, several minutes).

For each of torchvision's classification architectures (random weights,
seeded) and each of PyTorch's two ONNX exporters, it exports the model at its
input size, asks `nnitp layers` whether it is read (and the refusal when not),
then has `nnitp export` write a spread of its layers (every layer up to 40,
else 40 evenly spaced, and the output) on a few natural images, and compares
them with onnxruntime's outputs of the same nodes on the same images: the
largest difference over a layer relative to its largest value. Prints one
Markdown table row per model and exporter (docs/onnx.md keeps the table).

The images are scikit-image's colour photographs (astronaut, chelsea,
coffee, rocket), resized to the input size, in torchvision's ImageFolder
layout.

Run with torch, torchvision, onnx, onnxscript, onnxruntime and scikit-image
installed (PyPI), after `cargo build --workspace --all-targets`:
    python benches/onnx_architectures.py [NAME,NAME,...]
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torchvision

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
NNITP = os.path.join(TARGET, "debug", "nnitp")
MODELS = [
    "alexnet", "vgg11_bn", "resnet18", "resnet50", "squeezenet1_1", "densenet121",
    "inception_v3", "googlenet", "shufflenet_v2_x0_5", "mobilenet_v2", "mobilenet_v3_small",
    "mnasnet0_5", "efficientnet_b0", "regnet_y_400mf", "convnext_tiny", "vit_b_16", "swin_t",
]
MOST_LAYERS = 40


def image_folder(root, size):
    """Four photographs, two classes, in train/ and test/."""
    from PIL import Image
    from skimage import data

    photos = [data.astronaut(), data.chelsea(), data.coffee(), data.rocket()]
    for split in ["train", "test"]:
        for k, photo in enumerate(photos):
            d = os.path.join(root, split, f"class{k % 2}")
            os.makedirs(d, exist_ok=True)
            img = Image.fromarray(photo).resize((size, size))
            if split == "test":
                img = img.transpose(Image.FLIP_LEFT_RIGHT)
            img.save(os.path.join(d, f"{k}.png"))
    # the test images as nnitp reads them: class by class, pixels / 255, NCHW
    images = []
    for c in sorted(os.listdir(os.path.join(root, "test"))):
        d = os.path.join(root, "test", c)
        for f in sorted(os.listdir(d)):
            a = np.asarray(Image.open(os.path.join(d, f)).convert("RGB"), np.float32) / 255
            images.append(a.transpose(2, 0, 1))
    return np.stack(images)


def export(name, exporter, size, out):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.rand(1, 3, size, size)
    path = os.path.join(out, f"{name}.{exporter}.onnx")
    with torch.no_grad():
        if exporter == "torchscript":
            torch.onnx.export(model, (x,), path, dynamo=False, input_names=["image"],
                              output_names=["scores"], dynamic_axes={"image": {0: "batch"}})
        else:
            torch.onnx.export(model, (x,), path, dynamo=True, input_names=["image"],
                              output_names=["scores"],
                              dynamic_shapes=({0: torch.export.Dim("batch", min=1)},),
                              external_data=True)
    return path


def layers(path):
    """nnitp's layers: (index, tensor name), or the refusal."""
    run = subprocess.run([NNITP, "layers", "--model", path], capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip().splitlines()[-1]
    rows = []
    for line in run.stdout.splitlines():
        parts = line.split()
        if parts and parts[0].isdigit() and line.rstrip().endswith(")"):
            rows.append((int(parts[0]), line[line.rindex("(") + 1:-1]))
    return rows, None


def compare(path, rows, data, images, out):
    picked = rows if len(rows) <= MOST_LAYERS else [
        rows[round(k * (len(rows) - 1) / (MOST_LAYERS - 1))] for k in range(MOST_LAYERS)]
    acts = os.path.join(out, "acts")
    run = subprocess.run([NNITP, "export", acts, "--model", path, "--data", data, "--no-cache",
                          "--quiet", "--layers", ",".join(str(i) for i, _ in picked)],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip().splitlines()[-1]
    model = onnx.load(path)
    have = {o.name for o in model.graph.output}
    for _, tensor in picked:
        if tensor not in have:
            model.graph.output.append(onnx.ValueInfoProto(name=tensor))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    wanted = [t for _, t in picked]
    values = session.run(wanted, {session.get_inputs()[0].name: images})
    worst = 0.0
    for (index, _), want in zip(picked, values):
        got = np.load(os.path.join(acts, "test", f"layer_{index}.npy"))
        want = want.astype(np.float32)
        scale = max(float(np.abs(want).max()), 1e-30)
        flat = got.reshape(len(images), -1)
        # nnitp stores units channels last: ONNX's NCHW tensors transposed,
        # a channels-last one (after a permute, as ConvNeXt's) as it is
        candidates = []
        if want.ndim == 4:
            candidates.append(want.transpose(0, 2, 3, 1))
        if want.shape == got.shape or want.ndim != 4:
            candidates.append(want)
        err = min(float(np.abs(flat - c.reshape(len(images), -1)).max()) for c in candidates)
        worst = max(worst, err / scale)
    return (len(picked), worst), None


def main():
    names = sys.argv[1].split(",") if len(sys.argv) > 1 else MODELS
    print("| architecture | exporter | layers | compared | largest difference | refused |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folders = {}
        for name in names:
            size = 299 if name == "inception_v3" else 224
            if size not in folders:
                d = os.path.join(tmp, f"data{size}")
                folders[size] = (d, image_folder(d, size))
            data, images = folders[size]
            for exporter in ["torchscript", "dynamo"]:
                out = os.path.join(tmp, f"{name}.{exporter}")
                os.makedirs(out)
                try:
                    path = export(name, exporter, size, out)
                except Exception as e:  # the exporter's own failure
                    print(f"| {name} | {exporter} | | | | export failed: {type(e).__name__} |")
                    continue
                rows, refused = layers(path)
                if rows is None:
                    print(f"| {name} | {exporter} | | | | {refused} |", flush=True)
                    continue
                result, failed = compare(path, rows, data, images, out)
                if result is None:
                    print(f"| {name} | {exporter} | {len(rows)} | | | {failed} |", flush=True)
                    continue
                compared, worst = result
                print(f"| {name} | {exporter} | {len(rows)} | {compared} | {worst:.1e} | |",
                      flush=True)


if __name__ == "__main__":
    main()
