"""Time to a validation accuracy on ants/bees with the PyTorch transfer-learning tutorial's recipes.

The recipes of https://pytorch.org/tutorials/beginner/transfer_learning_tutorial.html (train
RandomResizedCrop(224) + RandomHorizontalFlip, val Resize(256) + CenterCrop(224), batch 4,
4 DataLoader workers, SGD(lr=0.001, momentum=0.9), StepLR(7, 0.1), a val pass after every
epoch), started from the same pretrained network `graft train` uses by default —
keras.applications MobileNetV2 1.0 from the Keras `.h5` — because torchvision's ImageNet weights
cannot be downloaded here. Normalisation is that network's (x/127.5 - 1).

One deviation: BatchNorm layers stay in inference mode (as Graft's frozen-BN default). The
tutorial's model.train() would normalise with batch-of-4 statistics; with the mirror's derived
weights (BN folded to identity-plus-bias) that destroys the features: measured, val accuracy
stayed at 0.458 (one class) for 3 epochs.

  feature-extractor: the tutorial's "ConvNet as fixed feature extractor" (only the new layer trains)
  fine-tune:         the tutorial's "finetuning the ConvNet" (every layer trains, lr 1e-3); from
                     these weights it diverges to one class (../../shared/BASELINES.md)
  fine-tune-top:     the strongest simple fine-tuning recipe measured here (BASELINES.md): the
                     stem and blocks before `block_13` frozen, `block_13` on + the top conv + the
                     new layer train (BatchNorm gamma/beta included, statistics frozen), lr 1e-4

Wall time counts from process start (imports, weight loading, workers included), like the
`graft train` row, to the end of the first epoch whose val accuracy reaches the target.

Usage: /usr/bin/python3 tooling/bench/pytorch/time_to_accuracy.py [recipe] [target] [max epochs]
"""
import time

started = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

# One OpenBLAS thread (before torch loads it): these recipes' only matrix product is a small head,
# and OpenBLAS's own threads next to torch's and the DataLoader workers' oversubscribe the 2
# cores. Measured 2026-12-06 23:26 UTC, idle: the feature-extractor recipe reached val 0.93 at
# 15.0 s with OpenBLAS's default threads and at 10.7 s with one.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torchvision  # noqa: E402
from torchvision import transforms  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from keras_mobilenet_v2 import KerasMobileNetV2, load_keras_weights, mirror_path  # noqa: E402

recipe = sys.argv[1] if len(sys.argv) > 1 else "feature-extractor"
recipes = ("feature-extractor", "fine-tune", "fine-tune-top")
if recipe not in recipes:
    sys.exit(f"recipe must be one of {', '.join(recipes)}, got {recipe!r}")
target = float(sys.argv[2]) if len(sys.argv) > 2 else 0.93
max_epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 25
threads = int(os.environ.get("GRAFT_BENCH_THREADS", os.cpu_count() or 1))
torch.set_num_threads(threads)
torch.manual_seed(0)
root = os.path.join(os.environ.get("GRAFT_SHARED_DIR", "../shared"), "data/hymenoptera")
normalize = transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
data = {
    "train": torchvision.datasets.ImageFolder(os.path.join(root, "train"), transforms.Compose([
        transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), normalize])),
    "val": torchvision.datasets.ImageFolder(os.path.join(root, "val"), transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), normalize])),
}
loaders = {split: torch.utils.data.DataLoader(dataset, batch_size=4, shuffle=True, num_workers=4)
           for split, dataset in data.items()}
model = load_keras_weights(KerasMobileNetV2(1.0), mirror_path("1.0", True))
model.predictions = torch.nn.Linear(model.feature_dim, len(data["train"].classes))
if recipe == "feature-extractor":
    for parameter in model.parameters():
        parameter.requires_grad = False
    for parameter in model.predictions.parameters():
        parameter.requires_grad = True
elif recipe == "fine-tune-top":
    # `blocks[0]` is Keras's `expanded_conv`, so `blocks[13]` is `block_13`.
    for module in [model.stem, *model.blocks[:13]]:
        for parameter in module.parameters():
            parameter.requires_grad = False
parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
learning_rate = 1e-4 if recipe == "fine-tune-top" else 1e-3
optimizer = torch.optim.SGD(parameters, lr=learning_rate, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
criterion = torch.nn.CrossEntropyLoss()
history = []
reached = None
for epoch in range(max_epochs):
    for phase in ["train", "val"]:
        model.train(phase == "train")
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.eval()
        correct = 0
        for inputs, labels in loaders[phase]:
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                outputs = model(inputs)
                loss = criterion(outputs, labels)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
            correct += int((outputs.argmax(dim=1) == labels).sum())
        if phase == "train":
            scheduler.step()
        else:
            accuracy = correct / len(data["val"])
    history.append({"epoch": epoch + 1, "valAccuracy": accuracy,
                    "seconds": time.perf_counter() - started})
    print(f"epoch {epoch + 1}: val {accuracy:.4f} at {history[-1]['seconds']:.1f} s", file=sys.stderr)
    if accuracy >= target:
        reached = history[-1]
        break
print(json.dumps({"recipe": recipe, "target": target, "reached": reached, "history": history,
                  "threads": torch.get_num_threads(), "torch": torch.__version__,
                  "loadAverage": os.getloadavg()}))
