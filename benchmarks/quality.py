"""Every preset's quality on the Fashion-MNIST test set, next to its baseline.

One command, one table per claim; every number is measured in this run:

- generation: FID and KID (x1e3) in the feature space of the zoo's
  classifier (`fc1_act`, 256-D) between `--num-samples` prior samples and
  the test images, and sample sharpness over the test images' (1.0 = as
  sharp as the data). Reference row: training images (the floor). VAE/GAN
  against the plain VAE trained with the same budget (Larsen et al. 2016).
- class-conditional VAE/GAN: the classifier score (how often the classifier
  recognises the class a sample was drawn for; paper §4.2) next to the
  same score of the real test images with their labels.
- reconstruction: reconstruction FID (reconstructed test images vs test
  images), MSE, PSNR, SSIM, sharpness, and the linear-probe accuracy of the
  codes (logistic regression on the codes of 10k training images). DeePSiM
  against the L2 autoencoder of the same networks and budget (Dosovitskiy &
  Brox 2016).
- clustering: accuracy of the clustering presets (argmax of the categorical
  code) against k-means on raw pixels run here.

Each table ends with the paper's claim and whether it holds here.
`--update-cards` writes each preset's numbers into its `metadata.json` and
model card; `--check-cards` compares them with the numbers already there.

    python benchmarks/quality.py                       # ~10 min on 2 CPU cores
    python benchmarks/quality.py --update-cards --json runs/quality.json
    python benchmarks/quality.py --smoke --weights DIR  # tests: tiny presets
"""

import argparse
import json
import math
import sys
import time
from pathlib import Path

import keras
import numpy as np

import keras_perceptual as kp
from keras_perceptual import metrics as M
from keras_perceptual import presets as kp_presets
from keras_perceptual.datasets import fashion_mnist_arrays
from keras_perceptual.pin_presets import repin_bundled
from keras_perceptual.preset_writer import update_preset

ROOT = Path(__file__).resolve().parents[1]
CLASSIFIER = "fashion_mnist_classifier"
COMMAND = "python benchmarks/quality.py"

# (preset, baseline) of each table, from the preset specs' `baselines`.
GENERATIVE = kp_presets.quality_rows("generation")
RECONSTRUCTING = kp_presets.quality_rows("reconstruction")
CLUSTERING = [name for name, _ in kp_presets.quality_rows("clustering")]


class Presets:
    """Loads (and caches) the presets of a weights folder; a missing one is None."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.cache = {}

    def __call__(self, name):
        if name not in self.cache:
            path = self.folder / name
            self.cache[name] = kp.from_pretrained(path) if (path / "config.json").is_file() else None
        return self.cache[name]


def one_hot(labels, k=10):
    return np.eye(k, dtype="float32")[labels]


def generation_table(load, data, args, features):
    rows, cards = [], {}
    test_f = features(data["test_x"])
    floor = {"model": "training images (reference)",
             "fid": M.frechet_distance(features(data["train_x"]), test_f),
             "kid": 1e3 * M.kernel_distance(features(data["train_x"]), test_f, **args.kid)[0],
             "sharpness": M.sharpness(data["train_x"]) / data["test_sharpness"]}
    rows.append(floor)
    labels = np.arange(args.num_samples) % 10
    for name, baseline in GENERATIVE:
        model = load(name)
        if model is None:
            rows.append({"model": name, "missing": True})
            continue
        conditions = one_hot(labels) if model.is_conditional else None
        samples = model.generate(args.num_samples, conditions=conditions, seed=args.seed)
        f = features(samples)
        row = {"model": name, "baseline": baseline, "fid": M.frechet_distance(f, test_f),
               "kid": 1e3 * M.kernel_distance(f, test_f, **args.kid)[0],
               "sharpness": M.sharpness(samples) / data["test_sharpness"]}
        rows.append(row)
        cards.setdefault(name, {}).update(sample_fid=row["fid"], sample_kid_x1e3=row["kid"],
                                          sample_sharpness_ratio=row["sharpness"])
        if conditions is not None:
            score = M.classifier_score(samples, labels, classifier=data["classifier"])
            data["conditional_score"] = score
            cards[name]["classifier_score"] = score
    add_ratios(rows, "fid")
    return rows, cards


def reconstruction_table(load, data, args, features):
    rows, cards = [], {}
    x = data["test_x"]
    test_f = features(x)
    for name, baseline in RECONSTRUCTING:
        model = load(name)
        if model is None:
            rows.append({"model": name, "missing": True})
            continue
        recon = model.reconstruct(x)
        row = {"model": name, "baseline": baseline, "fid": M.frechet_distance(features(recon), test_f),
               "mse": M.mse(recon, x), "psnr": M.psnr(recon, x), "ssim": M.ssim(recon, x),
               "sharpness": M.sharpness(recon) / data["test_sharpness"]}
        if not isinstance(model, kp.DeePSiMInverter):  # its "code" is the classifier's features
            codes = [model.encode(v).reshape(len(v), -1) for v in (data["probe_x"], x)]
            row["probe"] = M.linear_probe_accuracy(codes[0], data["probe_y"], codes[1], data["test_y"],
                                                   seed=args.seed)
        rows.append(row)
        cards.setdefault(name, {}).update(
            {f"reconstruction_{k}": row[k] for k in ("fid", "mse", "psnr", "ssim")},
            reconstruction_sharpness_ratio=row["sharpness"])
        if "probe" in row:
            cards[name]["linear_probe_accuracy"] = row["probe"]
    pixels = M.linear_probe_accuracy(data["probe_x"], data["probe_y"], x, data["test_y"], seed=args.seed)
    rows.append({"model": "raw pixels (reference)", "probe": pixels})
    add_ratios(rows, "fid")
    return rows, cards


def clustering_table(load, data, args):
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from clustering import kmeans_accuracy

    start = time.time()
    base = kmeans_accuracy(data["kmeans_x"], data["test_x"], data["test_y"], 10, args.seed, args.kmeans_init)
    rows = [{"model": "k-means on pixels (baseline)", "accuracy": base, "seconds": time.time() - start}]
    cards = {}
    for name in CLUSTERING:
        model = load(name)
        if model is None:
            rows.append({"model": name, "missing": True})
            continue
        clusters = model.predict_clusters(data["test_x"])
        acc = M.clustering_accuracy(data["test_y"], clusters)
        rows.append({"model": name, "accuracy": acc, "ratio": acc / base, "used": int(len(np.unique(clusters)))})
        cards[name] = {"clustering_accuracy_k10": acc, "clusters_used": int(len(np.unique(clusters)))}
    return rows, cards


def add_ratios(rows, key):
    by_name = {r["model"]: r for r in rows}
    for r in rows:
        base = by_name.get(r.get("baseline"))
        if base is not None and key in r and key in base and base[key]:
            r[f"{key}_ratio"] = r[key] / base[key]


def fmt(v, spec=".3f"):
    if v is None:
        return "—"
    if isinstance(v, float) and math.isinf(v):
        return "inf"
    return format(v, spec) if isinstance(v, (float, int)) and not isinstance(v, bool) else str(v)


def print_table(title, rows, columns):
    print(f"\n### {title}\n")
    print("| " + " | ".join(h for h, _, _ in columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for r in rows:
        if r.get("missing"):
            print(f"| {r['model']} | " + " | ".join("not trained" for _ in columns[1:]) + " |")
            continue
        print("| " + " | ".join(fmt(r.get(key), spec) if key != "model" else r["model"]
                                for _, key, spec in columns) + " |")


# Margins below which a difference of one seed is called noise: the linear
# probe (accuracy points) and clustering accuracy, whose epoch-to-epoch
# spread is several points (benchmarks/README_clustering.md).
PROBE_NOISE = 0.005
CLUSTERING_NOISE = 0.01


def claim(text, margin, evidence, noise=0.0):
    """Prints and returns a paper claim's verdict: `margin` > `noise` holds,
    |margin| <= noise is within noise, below that it does not hold."""
    verdict = "holds" if margin > noise else ("within noise" if margin >= -noise and noise else "DOES NOT HOLD")
    print(f"\nClaim: {text}: **{verdict}** here ({evidence}).")
    return {"claim": text, "verdict": verdict, "holds": verdict == "holds", "evidence": evidence}


def get(rows, name):
    return next((r for r in rows if r["model"] == name and not r.get("missing")), None)


def load_data(args):
    n = args.num_samples
    test_x, test_y = fashion_mnist_arrays("test", n, labels=True)
    train_x, train_y = fashion_mnist_arrays("train", labels=True)
    data = {"test_x": test_x, "test_y": test_y,
            "train_x": train_x[-n:],  # the last n training images: the FID floor
            "probe_x": train_x[: args.probe_train], "probe_y": train_y[: args.probe_train],
            "kmeans_x": train_x[: args.kmeans_train]}
    data["test_sharpness"] = M.sharpness(data["test_x"])
    return data


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", default=str(ROOT / "weights"), help="folder of the preset folders")
    p.add_argument("--num-samples", type=int, default=10000, help="samples / test images per statistic")
    p.add_argument("--probe-train", type=int, default=10000, help="training images for the linear probe")
    p.add_argument("--kmeans-train", type=int, default=60000, help="training images k-means is fitted on")
    p.add_argument("--kmeans-init", type=int, default=3, help="k-means restarts (as benchmarks/clustering.py)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None, help="write every row and claim here")
    p.add_argument("--update-cards", action="store_true", help="write the numbers into each preset's card")
    p.add_argument("--check-cards", action="store_true",
                   help="compare with the numbers on the cards; exit 1 if any differs by more than --tolerance")
    p.add_argument("--tolerance", type=float, default=0.02, help="relative tolerance of --check-cards")
    p.add_argument("--sections", default="generation,reconstruction,clustering",
                   help="comma-separated subset of generation,reconstruction,clustering")
    p.add_argument("--smoke", action="store_true", help="256 images, few subsets: seconds (tests)")
    args = p.parse_args(argv)
    if args.smoke:
        args.num_samples, args.probe_train, args.kmeans_train, args.kmeans_init = 256, 256, 512, 1
    args.kid = dict(num_subsets=10 if not args.smoke else 2, subset_size=min(1000, args.num_samples),
                    seed=args.seed)
    return args


def main(argv=None):
    args = parse_args(argv)
    start = time.time()
    load = Presets(args.weights)
    classifier = load(CLASSIFIER)
    if classifier is None:
        raise SystemExit(f"{Path(args.weights) / CLASSIFIER} is missing: it is the feature network of every "
                         "metric (python benchmarks/train_presets.py --only fashion_mnist_classifier).")
    data = load_data(args)
    data["classifier"] = classifier
    cache = {}

    def features(images):
        # The fixed image sets are computed once; an `id()` key would be
        # unsafe for the per-model arrays (a freed array's id is reused).
        for key in ("test_x", "train_x"):
            if images is data[key]:
                if key not in cache:
                    cache[key] = M.extract_features(images, feature_model=classifier)
                return cache[key]
        return M.extract_features(images, feature_model=classifier)

    real_score = M.classifier_score(data["test_x"], data["test_y"], classifier=classifier)
    print(f"Fashion-MNIST test set, {args.num_samples} images per statistic; features: {CLASSIFIER} "
          f"fc1_act (its test accuracy here: {real_score:.4f}); backend {keras.backend.backend()}")
    sections = set(args.sections.split(","))
    gen_rows, cards = generation_table(load, data, args, features) if "generation" in sections else ([], {})
    rec_rows, rec_cards = reconstruction_table(load, data, args, features) if "reconstruction" in sections \
        else ([], {})
    clu_rows, clu_cards = clustering_table(load, data, args) if "clustering" in sections else ([], {})
    for extra in (rec_cards, clu_cards):
        for name, values in extra.items():
            cards.setdefault(name, {}).update(values)
    cards[CLASSIFIER] = {"test_accuracy": real_score}

    claims = []
    if gen_rows:
        print_table("Generation (prior samples vs test images)", gen_rows,
                    [("model", "model", ""), ("FID", "fid", ".2f"), ("x baseline", "fid_ratio", ".2f"),
                     ("KID x1e3", "kid", ".2f"), ("sharpness", "sharpness", ".3f")])
    vaegan, vae = get(gen_rows, "vaegan_fashion_mnist"), get(gen_rows, "vae_fashion_mnist")
    if vaegan and vae:
        claims.append(claim("VAE/GAN samples have a lower FID than the plain VAE's (Larsen et al.)",
                            vae["fid"] - vaegan["fid"], f"FID {vaegan['fid']:.2f} vs {vae['fid']:.2f}"))
    if "conditional_score" in data:
        print(f"\nConditional VAE/GAN classifier score: {data['conditional_score']:.4f} of samples recognised as "
              f"their class; real test images: {real_score:.4f} "
              f"(ratio {data['conditional_score'] / real_score:.3f}).")
        claims.append(claim("class-conditional VAE/GAN samples are recognised as their class about as often as "
                            "real images (paper §4.2 reports its attribute score next to the data's)",
                            data["conditional_score"] - 0.9 * real_score,
                            f"{data['conditional_score']:.4f} vs {real_score:.4f}"))
    if rec_rows:
        print_table("Reconstruction (test images)", rec_rows,
                    [("model", "model", ""), ("recon FID", "fid", ".2f"), ("x L2 AE", "fid_ratio", ".2f"),
                     ("MSE", "mse", ".4f"), ("PSNR", "psnr", ".2f"), ("SSIM", "ssim", ".3f"),
                     ("sharpness", "sharpness", ".3f"), ("linear probe", "probe", ".4f")])
    deepsim, l2 = get(rec_rows, "deepsim_autoencoder_fashion_mnist"), get(rec_rows, "pixel_autoencoder_fashion_mnist")
    if deepsim and l2:
        claims.append(claim("DeePSiM autoencoder reconstructions are sharper and closer in feature space than "
                            "the L2 autoencoder's (Dosovitskiy & Brox)",
                            min(deepsim["sharpness"] - l2["sharpness"], l2["fid"] - deepsim["fid"]),
                            f"sharpness {deepsim['sharpness']:.3f} vs {l2['sharpness']:.3f}, "
                            f"recon FID {deepsim['fid']:.2f} vs {l2['fid']:.2f}"))
        claims.append(claim("DeePSiM codes are better features for a linear classifier than L2 codes",
                            deepsim["probe"] - l2["probe"], f"{deepsim['probe']:.4f} vs {l2['probe']:.4f}",
                            noise=PROBE_NOISE))
    if clu_rows:
        print_table("Clustering (K = 10, test set)", clu_rows,
                    [("model", "model", ""), ("accuracy", "accuracy", ".4f"), ("x k-means", "ratio", ".3f"),
                     ("clusters used", "used", "d")])
    base = clu_rows[0]["accuracy"] if clu_rows else None
    for r in clu_rows[1:]:
        if not r.get("missing"):
            claims.append(claim(f"{r['model']} clusters better than k-means on pixels",
                                r["accuracy"] - base, f"{r['accuracy']:.4f} vs {base:.4f}",
                                noise=CLUSTERING_NOISE))
    print(f"\nTotal {time.time() - start:.0f} s.")

    report = {"args": {k: v for k, v in vars(args).items()}, "generation": gen_rows, "reconstruction": rec_rows,
              "clustering": clu_rows, "classifier_test_accuracy": real_score, "claims": claims, "cards": cards}
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1, default=float))
    if args.check_cards:
        bad = check_cards(load, cards, args.tolerance)
        if bad:
            raise SystemExit(1)
    if args.update_cards:
        for name, values in cards.items():
            if load(name) is not None:
                update_preset(Path(args.weights) / name, metrics=values, metrics_command=COMMAND)
        print(f"Updated the cards of {sorted(n for n in cards if load(n) is not None)}.")
        repin_bundled(args.weights)
    return report


def check_cards(load, cards, tolerance):
    """Prints each card number next to this run's; returns the mismatches."""
    bad = []
    for name, values in sorted(cards.items()):
        if load(name) is None:
            continue
        on_card = json.loads((load.folder / name / "metadata.json").read_text()).get("metrics") or {}
        for key, value in sorted(values.items()):
            if key not in on_card:
                continue
            ref = on_card[key]
            ok = (math.isinf(ref) and math.isinf(value)) or abs(value - ref) <= tolerance * max(abs(ref), 1e-12)
            print(f"{'ok ' if ok else 'DIFF'} {name} {key}: card {ref:.6g}, now {value:.6g}")
            if not ok:
                bad.append((name, key, ref, value))
    return bad


if __name__ == "__main__":
    main()
