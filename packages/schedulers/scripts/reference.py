#!/usr/bin/env python3
"""Reference learning rates from PyTorch's torch.optim.lr_scheduler for the @graft/schedulers tests.

Run (Debian: `apt-get install -y python3-torch`; use the system interpreter that sees it):

    /usr/bin/python3 packages/schedulers/scripts/reference.py

It writes src/__fixtures__/torch-reference.json. Each case pairs a Graft schedule config with the
PyTorch scheduler that should agree with it, and records the rate PyTorch's optimizer holds after
`step` calls of `scheduler.step()` (Graft's 0-based step), read from `optimizer.param_groups[0]`,
for every step in [0, steps). Plateau cases record the rate after each `scheduler.step(metric)`.
Python floats are doubles, and `json` writes them with round-trip precision.
"""

import json
import math
import os
import platform
import random
import subprocess

import torch
from torch.optim import SGD
from torch.optim import lr_scheduler as S


def optimizer(lr):
    return SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def run(make, lr, steps):
    opt = optimizer(lr)
    scheduler = make(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


cases = []


def case(id, graft, torch_call, make, lr, steps):
    cases.append(
        {
            "id": id,
            "torch": torch_call,
            "schedule": graft,
            "learningRates": run(make, lr, steps),
        }
    )


case("step", {"name": "step", "initialLearningRate": 0.1, "stepSize": 7, "gamma": 0.5},
     "StepLR(lr=0.1, step_size=7, gamma=0.5)", lambda o: S.StepLR(o, 7, gamma=0.5), 0.1, 40)
case("multi-step", {"name": "multi-step", "initialLearningRate": 0.05, "milestones": [3, 10, 25], "gamma": 0.3},
     "MultiStepLR(lr=0.05, milestones=[3, 10, 25], gamma=0.3)",
     lambda o: S.MultiStepLR(o, [3, 10, 25], gamma=0.3), 0.05, 40)
case("exponential", {"name": "exponential", "initialLearningRate": 0.02, "gamma": 0.95},
     "ExponentialLR(lr=0.02, gamma=0.95)", lambda o: S.ExponentialLR(o, 0.95), 0.02, 60)
case("polynomial", {"name": "polynomial", "initialLearningRate": 0.01, "totalSteps": 30, "power": 2.0, "endLearningRate": 0},
     "PolynomialLR(lr=0.01, total_iters=30, power=2.0)",
     lambda o: S.PolynomialLR(o, total_iters=30, power=2.0), 0.01, 40)
case("polynomial-linear", {"name": "polynomial", "initialLearningRate": 0.3, "totalSteps": 17, "power": 1.0, "endLearningRate": 0},
     "PolynomialLR(lr=0.3, total_iters=17, power=1.0)",
     lambda o: S.PolynomialLR(o, total_iters=17, power=1.0), 0.3, 25)
# CosineAnnealingLR climbs back after T_max; Graft's cosine holds the floor, so compare up to T_max.
case("cosine", {"name": "cosine", "initialLearningRate": 0.1, "totalSteps": 50, "minLearningRate": 0},
     "CosineAnnealingLR(lr=0.1, T_max=50)", lambda o: S.CosineAnnealingLR(o, 50), 0.1, 51)
case("cosine-floor", {"name": "cosine", "initialLearningRate": 0.01, "totalSteps": 37, "minLearningRate": 0.0004},
     "CosineAnnealingLR(lr=0.01, T_max=37, eta_min=4e-4)",
     lambda o: S.CosineAnnealingLR(o, 37, eta_min=0.0004), 0.01, 38)
case("cosine-restarts", {"name": "cosine-restarts", "initialLearningRate": 0.1, "firstCycleSteps": 10, "cycleMultiplier": 1, "minLearningRate": 0.001},
     "CosineAnnealingWarmRestarts(lr=0.1, T_0=10, eta_min=1e-3)",
     lambda o: S.CosineAnnealingWarmRestarts(o, 10, eta_min=0.001), 0.1, 45)
case("cosine-restarts-mult", {"name": "cosine-restarts", "initialLearningRate": 0.05, "firstCycleSteps": 4, "cycleMultiplier": 2, "minLearningRate": 0},
     "CosineAnnealingWarmRestarts(lr=0.05, T_0=4, T_mult=2)",
     lambda o: S.CosineAnnealingWarmRestarts(o, 4, T_mult=2), 0.05, 70)
case("warmup-cosine", {"name": "warmup", "schedule": {"name": "cosine", "initialLearningRate": 0.1, "totalSteps": 40, "minLearningRate": 0.001}, "warmupSteps": 5, "startFactor": 0.1},
     "SequentialLR([LinearLR(lr=0.1, start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=40, eta_min=1e-3)], milestones=[5])",
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5), S.CosineAnnealingLR(o, 40, eta_min=0.001)], milestones=[5]),
     0.1, 46)
case("warmup-step", {"name": "warmup", "schedule": {"name": "step", "initialLearningRate": 0.2, "stepSize": 4, "gamma": 0.5}, "warmupSteps": 6, "startFactor": 1 / 3},
     "SequentialLR([LinearLR(lr=0.2, start_factor=1/3, total_iters=6), StepLR(step_size=4, gamma=0.5)], milestones=[6])",
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=1 / 3, total_iters=6), S.StepLR(o, 4, gamma=0.5)], milestones=[6]),
     0.2, 30)
for three_phase in (False, True):
    for strategy in ("cos", "linear"):
        suffix = ("-three-phase" if three_phase else "") + ("-linear" if strategy == "linear" else "")
        case("one-cycle" + suffix,
             {"name": "one-cycle", "maxLearningRate": 0.1, "totalSteps": 100, "pctStart": 0.3, "annealStrategy": strategy,
              "divFactor": 25, "finalDivFactor": 1e4, "threePhase": three_phase},
             f"OneCycleLR(max_lr=0.1, total_steps=100, anneal_strategy='{strategy}', three_phase={three_phase}) (defaults otherwise)",
             lambda o, s=strategy, t=three_phase: S.OneCycleLR(o, max_lr=0.1, total_steps=100, anneal_strategy=s, three_phase=t),
             0.1, 100)
case("one-cycle-odd", {"name": "one-cycle", "maxLearningRate": 0.003, "totalSteps": 37, "pctStart": 0.25, "annealStrategy": "cos",
                       "divFactor": 10, "finalDivFactor": 100, "threePhase": False},
     "OneCycleLR(max_lr=0.003, total_steps=37, pct_start=0.25, div_factor=10, final_div_factor=100)",
     lambda o: S.OneCycleLR(o, max_lr=0.003, total_steps=37, pct_start=0.25, div_factor=10, final_div_factor=100), 0.003, 37)
for mode, gamma in (("triangular", 1.0), ("triangular2", 1.0), ("exp_range", 0.99)):
    case("cyclic-" + mode,
         {"name": "cyclic", "baseLearningRate": 0.001, "maxLearningRate": 0.01, "stepSizeUp": 5, "stepSizeDown": 8, "mode": mode, "gamma": gamma},
         f"CyclicLR(base_lr=1e-3, max_lr=1e-2, step_size_up=5, step_size_down=8, mode='{mode}', gamma={gamma}, cycle_momentum=False)",
         lambda o, m=mode, g=gamma: S.CyclicLR(o, 0.001, 0.01, step_size_up=5, step_size_down=8, mode=m, gamma=g, cycle_momentum=False),
         0.001, 60)

# ReduceLROnPlateau: a metric with plateaus and noise, the rate after each observation.
rng = random.Random(6)
metrics = []
value = 1.0
for index in range(80):
    if index % 20 < 8:
        value *= 0.9
    metrics.append(value * (1 + rng.uniform(-0.02, 0.02)))
plateau_cases = []
for mode, threshold_mode, threshold, patience, cooldown, factor, min_lr in (
    ("min", "rel", 1e-4, 3, 0, 0.5, 0.0),
    ("min", "abs", 0.01, 2, 2, 0.3, 0.002),
    ("max", "rel", 0.01, 4, 1, 0.1, 0.0),
    ("max", "abs", 0.0, 0, 0, 0.5, 1e-4),
):
    observed = metrics if mode == "min" else [1 - m for m in metrics]
    opt = optimizer(0.1)
    scheduler = S.ReduceLROnPlateau(opt, mode=mode, factor=factor, patience=patience, threshold=threshold,
                                    threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr)
    rates = []
    for metric in observed:
        scheduler.step(metric)
        rates.append(opt.param_groups[0]["lr"])
    plateau_cases.append(
        {
            "id": f"plateau-{mode}-{threshold_mode}",
            "torch": f"ReduceLROnPlateau(lr=0.1, mode='{mode}', factor={factor}, patience={patience}, threshold={threshold}, threshold_mode='{threshold_mode}', cooldown={cooldown}, min_lr={min_lr})",
            "schedule": {"name": "reduce-on-plateau", "initialLearningRate": 0.1, "mode": mode, "factor": factor, "patience": patience,
                         "threshold": threshold, "thresholdMode": threshold_mode, "cooldown": cooldown, "minLearningRate": min_lr, "epsilon": 1e-8},
            "metrics": observed,
            "learningRates": rates,
        }
    )

try:
    debian_package = subprocess.run(["dpkg-query", "-W", "-f=${Package} ${Version}", "python3-torch"],
                                    capture_output=True, text=True, check=True).stdout
except (OSError, subprocess.CalledProcessError):
    debian_package = None

output = {
    "generatedBy": "packages/schedulers/scripts/reference.py",
    "torchVersion": torch.__version__,
    "debianPackage": debian_package,
    "python": platform.python_version(),
    "cases": cases,
    "plateauCases": plateau_cases,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "__fixtures__", "torch-reference.json")
with open(path, "w") as handle:
    json.dump(output, handle, indent=1)
    handle.write("\n")
print(f"wrote {len(cases) + len(plateau_cases)} cases with torch {torch.__version__} to {os.path.normpath(path)}")
