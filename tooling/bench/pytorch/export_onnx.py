"""Exports a torchvision backbone of `pnpm bench` to ONNX for the onnxruntime-node column.

Usage: /usr/bin/python3 export_onnx.py <key> <output.onnx> [batch] [size] [opset]
Keys are the PyTorch keys of workloads.py (mobilenet_v2_0.35, mobilenet_v2_1.0, resnet18,
resnet50). Random weights: the arithmetic, hence the speed, is that of the pretrained network. The
classifier is replaced by the identity so that the model ends, like Graft's backbones, at the
pooled features. Fixed input [batch, 3, size, size] (NCHW, float32) named `input`, output
`features`. Written to a temporary file then renamed, so an interrupted export leaves no partial
model in the cache. torch's exporter does not need the `onnx` Python package.
"""
import os
import sys

import torch
import torchvision

key, output = sys.argv[1], sys.argv[2]
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 32
size = int(sys.argv[4]) if len(sys.argv) > 4 else 224
opset = int(sys.argv[5]) if len(sys.argv) > 5 else 13

builders = {
    "mobilenet_v2_0.35": lambda: torchvision.models.mobilenet_v2(width_mult=0.35),
    "mobilenet_v2_1.0": lambda: torchvision.models.mobilenet_v2(width_mult=1.0),
    "resnet18": torchvision.models.resnet18,
    "resnet50": torchvision.models.resnet50,
}
if key not in builders:
    sys.exit(f"unknown key {key!r}; valid keys: {', '.join(builders)}")

torch.manual_seed(0)
model = builders[key]()
# Pooled features, as Graft's backbone rows compute (mobilenet_v2: dropout + linear; resnet: fc).
if hasattr(model, "classifier"):
    model.classifier = torch.nn.Identity()
else:
    model.fc = torch.nn.Identity()
model.eval()
temporary = f"{output}.{os.getpid()}.tmp"
with torch.no_grad():
    torch.onnx.export(model, torch.rand(batch, 3, size, size), temporary, opset_version=opset,
                      input_names=["input"], output_names=["features"], do_constant_folding=True)
os.replace(temporary, output)
print(f"exported {key} [{batch}, 3, {size}, {size}] opset {opset} to {output}", file=sys.stderr)
