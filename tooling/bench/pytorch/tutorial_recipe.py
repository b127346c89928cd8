"""Wall time of the PyTorch transfer-learning tutorial's fine-tuning recipe on ants/bees, on CPU.

The recipe of https://pytorch.org/tutorials/beginner/transfer_learning_tutorial.html: ResNet18,
train transforms RandomResizedCrop(224) + RandomHorizontalFlip, val Resize(256) + CenterCrop(224),
batch 4, 4 DataLoader workers, SGD(lr=0.001, momentum=0.9), StepLR(7, 0.1), 25 epochs, each
epoch a train pass and a val pass. ImageNet weights cannot be downloaded here, so the network is
randomly initialised (same architecture, same work per step): this times the recipe, it cannot
reach its accuracy. Runs `epochs` (default 2) and projects the tutorial's 25 from the mean.

Usage: /usr/bin/python3 tooling/bench/pytorch/tutorial_recipe.py [epochs]
"""
import json
import os
import sys
import time

import torch
import torchvision
from torchvision import transforms

threads = int(os.environ.get("GRAFT_BENCH_THREADS", os.cpu_count() or 1))
torch.set_num_threads(threads)
torch.manual_seed(0)
epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
root = os.path.join(os.environ.get("GRAFT_SHARED_DIR", "../shared"), "data/hymenoptera")
normalize = transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
data = {
    "train": torchvision.datasets.ImageFolder(os.path.join(root, "train"), transforms.Compose([
        transforms.RandomResizedCrop(224), transforms.RandomHorizontalFlip(),
        transforms.ToTensor(), normalize])),
    "val": torchvision.datasets.ImageFolder(os.path.join(root, "val"), transforms.Compose([
        transforms.Resize(256), transforms.CenterCrop(224), transforms.ToTensor(), normalize])),
}
loaders = {split: torch.utils.data.DataLoader(dataset, batch_size=4, shuffle=True, num_workers=4)
           for split, dataset in data.items()}
model = torchvision.models.resnet18(num_classes=2)
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)
criterion = torch.nn.CrossEntropyLoss()
seconds = []
for epoch in range(epochs):
    started = time.perf_counter()
    for phase in ["train", "val"]:
        model.train(phase == "train")
        for inputs, labels in loaders[phase]:
            optimizer.zero_grad()
            with torch.set_grad_enabled(phase == "train"):
                loss = criterion(model(inputs), labels)
                if phase == "train":
                    loss.backward()
                    optimizer.step()
        if phase == "train":
            scheduler.step()
    seconds.append(time.perf_counter() - started)
    print(f"epoch {epoch + 1}/{epochs}: {seconds[-1]:.1f} s", file=sys.stderr)
mean = sum(seconds) / len(seconds)
print(json.dumps({"epochSeconds": seconds, "meanEpochSeconds": mean,
                  "projected25EpochSeconds": 25 * mean, "threads": torch.get_num_threads(),
                  "torch": torch.__version__, "torchvision": torchvision.__version__,
                  "loadAverage": os.getloadavg()}))
