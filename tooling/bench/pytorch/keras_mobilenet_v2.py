"""keras.applications MobileNetV2 rebuilt in PyTorch, loading the Keras `.h5` weights Graft uses.

torchvision's mobilenet_v2 pads stride-2 convolutions symmetrically and uses BatchNorm eps 1e-5;
Keras pads TF-'same' (bottom/right first on even sizes) and uses eps 1e-3. Rebuilding the Keras
topology lets the PyTorch side of the benchmark start from the very weights `graft train` uses,
so time-to-accuracy compares recipes, not initialisations. Reading HDF5 needs Debian's python3-h5py.

Check: /usr/bin/python3 tooling/bench/pytorch/keras_mobilenet_v2.py  (top-1 on the ImageNet samples)
"""
import math
import os

import torch
from torch import nn
from torch.nn import functional

# (expansion, output channels, repeats, first stride) per stage, as in Keras' MobileNetV2.
STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1)]


def make_divisible(value, divisor=8):
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class SameConv(nn.Conv2d):
    """Conv2d with TensorFlow's 'same' padding (the extra row/column goes bottom/right)."""

    def forward(self, x):
        pads = []
        for size, kernel, stride in zip(reversed(x.shape[2:]), reversed(self.kernel_size),
                                        reversed(self.stride)):
            total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(functional.pad(x, pads) if any(pads) else x)


def conv_bn(inputs, outputs, kernel, stride, groups=1, relu6=True):
    layers = [SameConv(inputs, outputs, kernel, stride, groups=groups, bias=False),
              nn.BatchNorm2d(outputs, eps=1e-3, momentum=1e-3)]
    return nn.Sequential(*layers, nn.ReLU6()) if relu6 else nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, inputs, outputs, stride, expansion, prefix):
        super().__init__()
        hidden = inputs * expansion
        self.prefix = prefix
        self.expand = conv_bn(inputs, hidden, 1, 1) if expansion != 1 else None
        self.depthwise = conv_bn(hidden, hidden, 3, stride, groups=hidden)
        self.project = conv_bn(hidden, outputs, 1, 1, relu6=False)
        self.residual = stride == 1 and inputs == outputs

    def forward(self, x):
        y = self.project(self.depthwise(self.expand(x) if self.expand is not None else x))
        return x + y if self.residual else y


class KerasMobileNetV2(nn.Module):
    """Features (`out_relu` + global average pooling) and an optional 1000-class top."""

    def __init__(self, alpha=1.0, classes=None):
        super().__init__()
        channels = make_divisible(32 * alpha)
        self.stem = conv_bn(3, channels, 3, 2)
        blocks = []
        index = 0
        for expansion, filters, repeats, stride in STAGES:
            outputs = make_divisible(filters * alpha)
            for repeat in range(repeats):
                prefix = "expanded_conv" if index == 0 else f"block_{index}"
                blocks.append(InvertedResidual(channels, outputs, stride if repeat == 0 else 1,
                                               expansion, prefix))
                channels = outputs
                index += 1
        self.blocks = nn.Sequential(*blocks)
        self.feature_dim = make_divisible(1280 * alpha) if alpha > 1.0 else 1280
        self.head = conv_bn(channels, self.feature_dim, 1, 1)
        self.predictions = nn.Linear(self.feature_dim, classes) if classes else None

    def features(self, x):
        return self.head(self.blocks(self.stem(x))).mean(dim=(2, 3))

    def forward(self, x):
        features = self.features(x)
        return self.predictions(features) if self.predictions is not None else features


def _load_pair(conv_bn_module, weights, conv_name, bn_name, depthwise=False):
    conv, batch_norm = conv_bn_module[0], conv_bn_module[1]
    kernel = torch.from_numpy(weights[conv_name]["depthwise_kernel" if depthwise else "kernel"])
    # Keras kernels are [kh, kw, in, out] (depthwise: [kh, kw, in, 1]); PyTorch wants [out, in, kh, kw].
    conv.weight.data.copy_(kernel.permute(2, 3, 0, 1) if depthwise else kernel.permute(3, 2, 0, 1))
    for ours, theirs in [("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
                         ("running_var", "moving_variance")]:
        getattr(batch_norm, ours).data.copy_(torch.from_numpy(weights[bn_name][theirs]))


def load_keras_weights(model, path):
    """Loads a keras.applications MobileNetV2 `.h5` (weights layout) into `model`."""
    import h5py

    weights = {}
    with h5py.File(path, "r") as file:
        root = file["model_weights"] if "model_weights" in file else file
        for layer in root.attrs["layer_names"]:
            layer = layer.decode() if isinstance(layer, bytes) else layer
            group = root[layer]
            weights[layer] = {name.decode().split("/")[-1].split(":")[0]: group[name.decode()][()]
                              for name in group.attrs["weight_names"]}
    _load_pair(model.stem, weights, "Conv1", "bn_Conv1")
    for block in model.blocks:
        if block.expand is not None:
            _load_pair(block.expand, weights, f"{block.prefix}_expand", f"{block.prefix}_expand_BN")
        _load_pair(block.depthwise, weights, f"{block.prefix}_depthwise",
                   f"{block.prefix}_depthwise_BN", depthwise=True)
        _load_pair(block.project, weights, f"{block.prefix}_project", f"{block.prefix}_project_BN")
    _load_pair(model.head, weights, "Conv_1", "Conv_1_bn")
    if model.predictions is not None and "predictions" in weights:
        model.predictions.weight.data.copy_(torch.from_numpy(weights["predictions"]["kernel"]).T)
        model.predictions.bias.data.copy_(torch.from_numpy(weights["predictions"]["bias"]))
    return model


def mirror_path(alpha, top):
    shared = os.environ.get("GRAFT_SHARED_DIR", os.path.join(os.path.dirname(__file__),
                                                             "../../../../shared"))
    mirror = os.environ.get("GRAFT_MIRROR", os.path.join(shared, "weights"))
    suffix = "" if top else "_no_top"
    return os.path.join(mirror, "keras",
                        f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_224{suffix}.h5")


if __name__ == "__main__":
    import json

    from PIL import Image
    from torchvision.transforms import functional as transforms

    shared = os.environ.get("GRAFT_SHARED_DIR", "../shared")
    samples = os.path.join(shared, "images/imagenet-samples")
    expected = json.load(open(os.path.join(samples, "expected.json")))["expected"]
    model = load_keras_weights(KerasMobileNetV2(1.0, classes=1000), mirror_path("1.0", True)).eval()
    worst = 0.0
    for name, entry in expected.items():
        image = Image.open(os.path.join(samples, name)).convert("RGB").resize((224, 224),
                                                                             Image.BILINEAR)
        x = transforms.to_tensor(image).unsqueeze(0) * 2 - 1
        with torch.inference_mode():
            probabilities = torch.softmax(model(x), dim=1)[0]
        top = int(probabilities.argmax())
        accepted = [entry["index"]] + [other["index"] for other in entry.get("also_acceptable", [])]
        worst = max(worst, abs(float(probabilities[entry["index"]]) - entry["observed_prob"]))
        print(f"{name}: top-1 {top} ({'ok' if top in accepted else 'WRONG'}), "
              f"p={float(probabilities[entry['index']]):.4f} vs observed {entry['observed_prob']}")
    print(f"max |p - observed| = {worst:.4f}")
