"""DeePSiM vs a pixel (L2) loss: the same autoencoder, the same budget.

The paper (Dosovitskiy & Brox 2016, arXiv version, autoencoder experiment)
trains one autoencoder with an 8x8x8 code with L2 and with DeePSiM and finds
DeePSiM's reconstructions sharper and its codes better for a linear SVM.
Here: Fashion-MNIST, the small 28x28 DeePSiM autoencoder (7x7x2 code), the
zoo's classifier preset as comparator (`--classifier`, a preset name),
Adam 2e-4, the same number of steps on the same images for every variant.

On the test set it reports:

- pixel MSE of the reconstructions (images in [-1, 1]);
- sharpness: mean gradient magnitude (|dx| + |dy|) of the reconstructions
  divided by the originals' (1.0 = as sharp as the data; L2 blurs: < 1);
- linear-probe accuracy: scikit-learn LogisticRegression trained on the
  codes of `--probe-train` training images, tested on the test codes (the
  paper's linear SVM), next to the same probe on raw pixels.

Ratios are against the L2 autoencoder trained in the same run.

With `--seeds N` every variant is trained once per seed (seeds `--seed`,
`--seed + 1`, ...: the same budget, images and seed for each variant of a
seed) and the paper's linear-probe claim is decided from the spread: the
per-seed difference `probe(DeePSiM) - probe(L2)` has mean m and standard
deviation s (ddof 1); the claim holds when m > s, is within noise when
|m| <= s, and does not hold when m < -s.

    python benchmarks/deepsim_vs_pixel.py --smoke
    python benchmarks/deepsim_vs_pixel.py --classifier fashion_mnist_classifier \\
        --epochs 2 --train-limit 30000 --output runs/deepsim_bench
    python benchmarks/deepsim_vs_pixel.py --seeds 3 --output runs/deepsim_seeds   # the claim, 3 seeds
"""

import argparse
import json
import sys
import time
from pathlib import Path

import keras
import numpy as np

from keras_perceptual import datasets
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.metrics import linear_probe_accuracy
from keras_perceptual.metrics import sharpness
from keras_perceptual.recipes import deepsim_autoencoder
from keras_perceptual.recipes import pixel_autoencoder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quality import PROBE_NOISE  # noqa: E402
from quality import claim  # noqa: E402

PROBE_CLAIM = "DeePSiM autoencoder codes are better features for a linear classifier than L2 codes"

VARIANTS = {
    # name: DeePSiM options (None: the plain L2 autoencoder)
    "l2": None,
    "deepsim": {},
    "deepsim_no_adv": {"lambda_adv": 0.0, "pause_discriminator": False},
}


def train_l2(args, train_x, seed):
    """The DeePSiM autoencoder's own encoder and generator trained with MSE
    alone (`keras_perceptual.recipes.pixel_autoencoder`): the baseline."""
    model = pixel_autoencoder.train(epochs=args.epochs, batch_size=args.batch_size, seed=seed,
                                    verbose=2 if not args.smoke else 0, learning_rate=args.learning_rate,
                                    limit=len(train_x)).model
    return model.encode, model.reconstruct


def train_deepsim(args, train_x, options, seed):
    record = deepsim_autoencoder.train(
        output=None, epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke, seed=seed,
        verbose=2 if not args.smoke else 0, comparator_weights=None if args.smoke else args.classifier,
        limit=len(train_x), **options,
    )
    print("  final losses:", json.dumps({k: round(v, 4) for k, v in record.final_losses.items()}))
    return record.model.encode, record.model.reconstruct


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--classifier", default="fashion_mnist_classifier",
                   help="the classifier preset used as comparator, by name")
    p.add_argument("--epochs", type=int, default=2, help="epochs over the training slice, every variant")
    p.add_argument("--train-limit", type=int, default=30000, help="training images")
    p.add_argument("--test-limit", type=int, default=10000, help="test images evaluated")
    p.add_argument("--probe-train", type=int, default=10000, help="training images the probe learns from")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--learning-rate", type=float, default=2e-4)
    p.add_argument("--variants", default="l2,deepsim", help=f"comma-separated, among {sorted(VARIANTS)}")
    p.add_argument("--seed", type=int, default=0, help="the first seed")
    p.add_argument("--seeds", type=int, default=1,
                   help="train every variant with this many seeds and decide the probe claim from their spread")
    p.add_argument("--output", default=None, help="folder for reconstruction grids and results.json")
    p.add_argument("--smoke", action="store_true", help="tiny data, one epoch, untrained comparator (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or "l2" not in variants:
        raise ValueError(f"`--variants` must include 'l2' (the baseline) and only names among "
                         f"{sorted(VARIANTS)}. Received: {args.variants!r}")
    if args.smoke:
        args.train_limit, args.test_limit, args.probe_train, args.epochs = 256, 200, 200, 1
    keras.utils.set_random_seed(args.seed)
    out = Path(args.output) if args.output else None

    train_images, train_labels = datasets.load_fashion_mnist("train")
    test_images, test_labels = datasets.load_fashion_mnist("test")
    train_x = datasets.to_unit_range(train_images[: args.train_limit])[..., None]
    probe_x = datasets.to_unit_range(train_images[: args.probe_train])[..., None]
    probe_y = train_labels[: args.probe_train]
    test_x = datasets.to_unit_range(test_images[: args.test_limit])[..., None]
    test_y = test_labels[: args.test_limit]
    data_sharpness = sharpness(test_x)

    if args.seeds < 1:
        raise ValueError(f"`--seeds` must be a positive int. Received: --seeds {args.seeds}")
    rows = []
    pixel_probe = linear_probe_accuracy(probe_x, probe_y, test_x, test_y, args.seed)
    for seed in range(args.seed, args.seed + args.seeds):
        for name in variants:
            print(f"== {name}, seed {seed}")
            keras.utils.set_random_seed(seed)
            start = time.time()
            if VARIANTS[name] is None:
                encode, reconstruct = train_l2(args, train_x, seed)
            else:
                encode, reconstruct = train_deepsim(args, train_x, VARIANTS[name], seed)
            seconds = time.time() - start
            recon = np.clip(reconstruct(test_x), -1, 1)
            rows.append({
                "variant": name,
                "seed": seed,
                "train_s": round(seconds, 1),
                "pixel_mse": float(np.mean((recon - test_x) ** 2)),
                "sharpness": sharpness(recon) / data_sharpness,
                "probe_accuracy": linear_probe_accuracy(encode(probe_x), probe_y, encode(test_x), test_y, seed),
            })
            print("  ", rows[-1])
            if out:
                suffix = "" if args.seeds == 1 else f"_seed{seed}"
                save_image_grid(interleave_rows(test_x[:16], recon[:16]), out / f"reconstructions_{name}{suffix}.png",
                                columns=16, scale=2)
            keras.backend.clear_session()

    print()
    print(f"DeePSiM vs pixel loss, Fashion-MNIST test ({len(test_x)} images), backend {keras.backend.backend()}, "
          f"{args.epochs} epoch(s) x {len(train_x)} images, batch {args.batch_size}, "
          f"seed(s) {args.seed}..{args.seed + args.seeds - 1}")
    print(f"linear probe on raw pixels (reference): {pixel_probe:.4f}")
    header = (f"| {'variant':<15} | {'seed':>4} | {'train s':>8} | {'pixel MSE':>9} | {'x L2':>6} | {'sharpness':>9} "
              f"| {'x L2':>6} | {'probe acc':>9} | {'x L2':>6} |")
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for r in rows:
        base = next(b for b in rows if b["variant"] == "l2" and b["seed"] == r["seed"])
        print(f"| {r['variant']:<15} | {r['seed']:>4} | {r['train_s']:>8.0f} | {r['pixel_mse']:>9.4f} | "
              f"{r['pixel_mse'] / base['pixel_mse']:>6.2f} | {r['sharpness']:>9.3f} | "
              f"{r['sharpness'] / base['sharpness']:>6.2f} | {r['probe_accuracy']:>9.4f} | "
              f"{r['probe_accuracy'] / base['probe_accuracy']:>6.3f} |")
    print("sharpness = mean |dx|+|dy| of reconstructions / of the originals (1.0 = as sharp as the data)")
    decision = probe_decision(rows) if "deepsim" in variants else None
    if decision:
        print(f"\nLinear-probe accuracy, DeePSiM minus L2, per seed: "
              f"{', '.join(f'{d:+.4f}' for d in decision['differences'])}; mean {decision['mean']:+.4f} "
              f"± {decision['std']:.4f} (std over {len(decision['differences'])} seeds)")
        print(f"| claim | evidence | verdict |\n|---|---|---|\n| {decision['claim']} | {decision['evidence']} | "
              f"**{decision['verdict']}** |")
    if out:
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps({"args": vars(args), "pixel_probe": pixel_probe,
                                                       "rows": rows, "probe_claim": decision}, indent=2))
    return {"rows": rows, "pixel_probe": pixel_probe, "probe_claim": decision}


def probe_decision(rows):
    """The linear-probe claim decided over seeds: the per-seed difference
    `probe(deepsim) - probe(l2)`, its mean and standard deviation (ddof 1),
    and the verdict of `quality.claim(mean, noise=std)` (holds when the mean
    exceeds one standard deviation). With one seed there is no spread: the
    noise is `quality.PROBE_NOISE`, as in `benchmarks/quality.py`."""
    probe = {(r["variant"], r["seed"]): r["probe_accuracy"] for r in rows}
    seeds = sorted({r["seed"] for r in rows})
    differences = [probe[("deepsim", s)] - probe[("l2", s)] for s in seeds]
    mean = float(np.mean(differences))
    std = float(np.std(differences, ddof=1)) if len(differences) > 1 else 0.0
    evidence = (f"probe accuracy difference {mean:+.4f} ± {std:.4f} (mean ± std over {len(seeds)} seed(s); "
                f"DeePSiM {np.mean([probe[('deepsim', s)] for s in seeds]):.4f}, "
                f"L2 {np.mean([probe[('l2', s)] for s in seeds]):.4f})")
    result = claim(PROBE_CLAIM, mean, evidence, noise=std if len(differences) > 1 else PROBE_NOISE)
    return dict(result, differences=[float(d) for d in differences], mean=mean, std=std, seeds=seeds)


if __name__ == "__main__":
    main()
