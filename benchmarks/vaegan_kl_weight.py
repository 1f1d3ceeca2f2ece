"""Which KL weight for the unconditional VAE/GAN? Validation FID, measured.

The paper weights the VAE/GAN encoder's KL term 1 against the feature-wise
reconstruction loss. In the zoo's small28 networks that loss is summed over
7x7x128 discriminator features (~450 at the start), so a KL of weight 1 lets
the aggregate posterior drift from the prior, and prior samples, what the
preset is for, suffer. This trains the `vaegan` recipe once per
`--kl-weights` value (the same data, steps and seed for each) and measures
the validation FID (`keras_perceptual.training.validation.sample_fid`:
2,000 prior samples vs the 5,000 validation images, in the evaluator's
features; never the test split) every `--validate-every` steps. The
`vaegan_fashion_mnist` preset's `kl_weight` was chosen by this run.

    python benchmarks/vaegan_kl_weight.py --kl-weights 1 30 100 --steps 1290 --output runs/kl_weight
    python benchmarks/vaegan_kl_weight.py --smoke      # seconds, tiny networks
"""

import argparse
import json
import time
from pathlib import Path

from keras_perceptual.training import train


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kl-weights", type=float, nargs="+", default=[1.0, 30.0, 100.0])
    p.add_argument("--steps", type=int, default=1290, help="steps of batch 64 per run (1290: 1.5 epochs)")
    p.add_argument("--validate-every", type=int, default=430)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--output", default=None, help="folder for each run's grids and results.json")
    p.add_argument("--smoke", action="store_true", help="tiny data and networks, 4 steps (tests)")
    args = p.parse_args(argv)
    if args.smoke:
        args.steps, args.validate_every = 4, 2
    rows = []
    for kl_weight in args.kl_weights:
        start = time.perf_counter()
        folder = None if args.output is None else Path(args.output) / f"kl_weight_{kl_weight:g}"
        record = train("vaegan", folder, steps=args.steps, seed=args.seed, smoke=args.smoke,
                       options={"kl_weight": kl_weight}, validate_every=args.validate_every, save=False, verbose=0)
        curve = [(int(s), float(v)) for s, v in record.validation["curve"]]
        rows.append({"kl_weight": kl_weight, "curve": curve, "final_validation_fid": curve[-1][1],
                     "wall_s": round(time.perf_counter() - start, 1)})
        print(json.dumps(rows[-1]), flush=True)
    best = min(rows, key=lambda r: r["final_validation_fid"])
    print(f"\n| kl_weight | validation FID at step {args.steps} | curve |\n|---|---|---|")
    for r in rows:
        mark = " **best**" if r is best else ""
        print(f"| {r['kl_weight']:g} | {r['final_validation_fid']:.2f}{mark} | "
              + ", ".join(f"{s}: {v:.2f}" for s, v in r["curve"]) + " |")
    result = {"steps": args.steps, "seed": args.seed, "rows": rows, "best_kl_weight": best["kl_weight"]}
    if args.output is not None:
        Path(args.output).mkdir(parents=True, exist_ok=True)
        (Path(args.output) / "results.json").write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
