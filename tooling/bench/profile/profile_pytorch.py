"""Per-operator CPU time of the PyTorch side's MobileNetV2 1.0 steps (torch.profiler), to set
beside profile-kernels.ts: python3 tooling/bench/profile/profile_pytorch.py [forward|train]"""
import os
import sys

import torch
import torchvision
from torch.profiler import ProfilerActivity, profile

torch.set_num_threads(int(os.environ.get("GRAFT_BENCH_THREADS", os.cpu_count() or 1)))
which = sys.argv[1] if len(sys.argv) > 1 else "train"
model = torchvision.models.mobilenet_v2(width_mult=1.0)
if which == "forward":
    model.eval()
    batch = torch.rand(32, 3, 224, 224)

    def run():
        with torch.inference_mode():
            model(batch)
else:
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9)
    batch = torch.rand(16, 3, 224, 224)
    labels = torch.randint(0, 1000, (16,))

    def run():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(batch), labels).backward()
        optimizer.step()

run()
with profile(activities=[ProfilerActivity.CPU]) as prof:
    run()
print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))
