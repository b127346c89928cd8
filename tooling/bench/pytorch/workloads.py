"""The PyTorch side of `pnpm bench`: the same workloads, shapes and thread count as Graft's.

Run by tooling/bench/run.mjs when Debian's python3-torch and python3-torchvision import. Prints one
JSON object: {"versions": {...}, "rows": [{"compare": key, "name", "value", "unit", "medianSeconds"}]}.
Rows share `compare` keys with the Graft rows, so the table can show the ratio Graft / PyTorch.
"""
import json
import os
import statistics
import sys
import time

import torch
import torchvision
from PIL import Image
from torchvision import transforms

threads = int(os.environ.get("GRAFT_BENCH_THREADS", os.cpu_count() or 1))
torch.set_num_threads(threads)
torch.manual_seed(0)
# Comma-separated `compare` keys to run (the ones Graft measured); empty runs everything.
only = [key for key in (sys.argv[1] if len(sys.argv) > 1 else "").split(",") if key]
rows = []


def measure(compare, name, items, run, warmup=1, runs=5, unit="images/s"):
    if only and compare not in only:
        return
    for _ in range(warmup):
        run()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    median = statistics.median(seconds)
    rows.append({"compare": compare, "name": name, "value": items / median, "unit": unit,
                 "medianSeconds": median, "runs": runs})
    print(f"pytorch | {name} | {items / median:.2f} {unit} (median of {runs})", file=sys.stderr)


def mobilenet(alpha):
    return torchvision.models.mobilenet_v2(width_mult=alpha)


builders = {
    "mobilenet_v2_0.35": lambda: mobilenet(0.35),
    "mobilenet_v2_1.0": lambda: mobilenet(1.0),
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
    # The torchvision ports of issue 22.
    "mobilenet_v3_small": torchvision.models.mobilenet_v3_small,
    "mobilenet_v3_large": torchvision.models.mobilenet_v3_large,
    "efficientnet_b0": torchvision.models.efficientnet_b0,
    "efficientnet_b1": torchvision.models.efficientnet_b1,
    "efficientnet_b2": torchvision.models.efficientnet_b2,
    "efficientnet_b3": torchvision.models.efficientnet_b3,
    "convnext_tiny": torchvision.models.convnext_tiny,
}

# Input side per backbone: the resolution its weights were trained at for EfficientNet B1-B3
# (as Graft's rows, suites/workloads.ts `benchImageSize`), 224 for the others.
sizes = {"efficientnet_b1": 240, "efficientnet_b2": 288, "efficientnet_b3": 300}

# 1. Backbone forward, batch 32 at 224 (or the size above), inference mode.
def wanted(compare):
    return not only or compare in only


for key, build in builders.items():
    if not wanted(f"forward/{key}/b32"):
        continue
    model = build().eval()
    size = sizes.get(key, 224)
    batch = torch.rand(32, 3, size, size)

    def forward(model=model, batch=batch):
        with torch.inference_mode():
            model(batch)

    measure(f"forward/{key}/b32", f"forward {key} b32 {size}", 32, forward, runs=3)

# 2. Training steps, batch 16: full fine-tune, and head only on cached features.
for key in ["mobilenet_v2_1.0", "resnet18", "mobilenet_v3_small", "mobilenet_v3_large",
            "efficientnet_b0", "efficientnet_b1", "efficientnet_b2", "efficientnet_b3",
            "convnext_tiny"]:
    if not wanted(f"train/{key}/b16"):
        continue
    model = builders[key]().train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    size = sizes.get(key, 224)
    batch = torch.rand(16, 3, size, size)
    labels = torch.randint(0, 1000, (16,))

    def step(model=model, optimizer=optimizer, batch=batch, labels=labels):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(batch), labels).backward()
        optimizer.step()

    measure(f"train/{key}/b16", f"fine-tune step {key} b16 {size}", 16, step, runs=3)

head = torch.nn.Linear(1280, 2)
head_optimizer = torch.optim.Adam(head.parameters(), lr=1e-3)
features = torch.rand(244, 1280)
feature_labels = torch.randint(0, 2, (244,))


def head_epoch():
    for start in range(0, 244, 32):
        head_optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(features[start:start + 32]),
                                                 feature_labels[start:start + 32])
        loss.backward()
        head_optimizer.step()


measure("train/head/cached-features", "head epoch on cached features (244×1280)", 244, head_epoch)

# 3. Data pipeline: decode + resize + standard augmentation on the ants/bees JPEGs.
data_dir = os.path.join(os.environ.get("GRAFT_SHARED_DIR", "../shared"), "data/hymenoptera/train")
if os.path.isdir(data_dir) and wanted("pipeline/augment/224"):
    dataset = torchvision.datasets.ImageFolder(data_dir, transform=transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ]))
    loader = torch.utils.data.DataLoader(dataset, batch_size=32, num_workers=threads)

    def pipeline():
        for _ in loader:
            pass

    measure("pipeline/augment/224", "decode + random resized crop + flip, 224 (PIL, DataLoader)",
            len(dataset), pipeline, runs=3)

# 4. End-to-end: the tutorial's fixed-feature-extractor recipe from the same Keras MobileNetV2 1.0
# weights as `graft train`, wall time from process start to the first epoch with val >= 0.93.
if os.path.isdir(data_dir) and wanted("e2e/ants-bees/val-0.93"):
    import subprocess

    script = os.path.join(os.path.dirname(__file__), "time_to_accuracy.py")
    finished = subprocess.run([sys.executable, script, "feature-extractor", "0.93", "10"],
                              capture_output=True, text=True)
    outcome = json.loads(finished.stdout.strip().splitlines()[-1]) if finished.returncode == 0 \
        else None
    if outcome and outcome["reached"]:
        reached = outcome["reached"]
        rows.append({"compare": "e2e/ants-bees/val-0.93",
                     "name": "tutorial fixed-feature-extractor recipe, Keras MobileNetV2 1.0 "
                             f"(val {reached['valAccuracy']:.4f} at epoch {reached['epoch']})",
                     "value": reached["seconds"], "unit": "s wall (lower is better)",
                     "medianSeconds": reached["seconds"], "runs": 1})
        print(f"pytorch | time to val >= 0.93 | {reached['seconds']:.1f} s", file=sys.stderr)
    else:
        print(f"pytorch | time to val >= 0.93 | not reached or failed: "
              f"{finished.stderr.strip().splitlines()[-1:] }", file=sys.stderr)

# 4b. End-to-end fine-tuning: the strongest simple fine-tuning recipe measured on this machine
# (../../shared/BASELINES.md: blocks from `block_13` on train with lr 1e-4, BatchNorm statistics
# frozen) from the same Keras weights, wall time from process start to the end of its first epoch
# with val >= 0.95. The tutorial's literal recipe (every layer, lr 1e-3) diverges from these
# weights, so a ratio against it would mean nothing.
if os.path.isdir(data_dir) and wanted("e2e/ants-bees/fine-tune-val-0.95"):
    import subprocess

    script = os.path.join(os.path.dirname(__file__), "time_to_accuracy.py")
    max_epochs = int(os.environ.get("GRAFT_BENCH_FINE_TUNE_EPOCHS", "8"))
    finished = subprocess.run([sys.executable, script, "fine-tune-top", "0.95", str(max_epochs)],
                              capture_output=True, text=True)
    outcome = json.loads(finished.stdout.strip().splitlines()[-1]) if finished.returncode == 0 \
        else None
    if outcome and outcome["reached"]:
        reached = outcome["reached"]
        rows.append({"compare": "e2e/ants-bees/fine-tune-val-0.95",
                     "name": "fine-tuning from block_13 (lr 1e-4, BASELINES.md), Keras MobileNetV2 1.0 "
                             f"(val {reached['valAccuracy']:.4f} at epoch {reached['epoch']})",
                     "value": reached["seconds"], "unit": "s wall (lower is better)",
                     "medianSeconds": reached["seconds"], "runs": 1})
        print(f"pytorch | fine-tune time to val >= 0.95 | {reached['seconds']:.1f} s", file=sys.stderr)
    elif outcome:
        history = outcome["history"]
        best = max(entry["valAccuracy"] for entry in history)
        # Not reached: the time of the epochs run is a lower bound, kept out of the ratio.
        rows.append({"compare": "e2e/ants-bees/fine-tune-val-0.95/not-reached",
                     "name": f"fine-tuning from block_13: val >= 0.95 not reached in {len(history)} "
                             f"epochs (best {best:.4f}, val per epoch "
                             f"{', '.join(format(entry['valAccuracy'], '.3f') for entry in history)})",
                     "value": history[-1]["seconds"], "unit": "s wall (lower is better)",
                     "medianSeconds": history[-1]["seconds"], "runs": 1})
        print(f"pytorch | fine-tune time to val >= 0.95 | not reached in {len(history)} epochs "
              f"(best {best:.4f}, {history[-1]['seconds']:.1f} s)", file=sys.stderr)
    else:
        print(f"pytorch | fine-tune time to val >= 0.95 | failed: "
              f"{finished.stderr.strip().splitlines()[-1:]}", file=sys.stderr)



def loaded_blas():
    """The BLAS library this process loaded: Debian's default is the reference netlib BLAS, about
    7x slower than OpenBLAS on torch's matrix products (nn.Linear, some convolution backward
    passes), so a PyTorch figure on it is not the other side's strongest recipe."""
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line and "/" in line}
    return ", ".join(sorted(paths)) or "none found"


print(json.dumps({"versions": {"torch": torch.__version__, "torchvision": torchvision.__version__,
                               "blas": loaded_blas(),
                               "pillow": Image.__version__, "threads": torch.get_num_threads()},
                  "rows": rows}))
