"""Evaluation metrics, plain functions over NumPy arrays (images
`(n, h, w, c)` in [-1, 1]).

- feature space (default: the zoo's evaluator, `features.DEFAULT_FEATURES`:
  the "fashion_mnist_evaluator" preset's `features` layer, a network no
  preset trains against; never the DeePSiM comparator
  "fashion_mnist_classifier", so no model is graded by its own teacher):
  `extract_features`, `fid` / `frechet_distance`, `kid` / `kernel_distance`,
  and the stateful `keras.metrics.Metric`s `FID` and `KID` (batch by batch,
  usable in `compile(metrics=...)`, `evaluate()` and callbacks);
- the evaluator's judgement (its `logits`): `classifier_score`,
  `confident_fraction`, `class_agreement`;
- pixels: `mse`, `psnr`, `ssim`, `sharpness`;
- codes: `linear_probe_accuracy`, `clustering_accuracy`.
"""
from keras_perceptual.metrics.classifier_score import class_agreement
from keras_perceptual.metrics.classifier_score import classifier_score
from keras_perceptual.metrics.classifier_score import confident_fraction
from keras_perceptual.metrics.clustering import cluster_to_class
from keras_perceptual.metrics.clustering import clustering_accuracy
from keras_perceptual.metrics.distribution import fid
from keras_perceptual.metrics.distribution import frechet_distance
from keras_perceptual.metrics.distribution import kernel_distance
from keras_perceptual.metrics.distribution import kid
from keras_perceptual.metrics.features import default_feature_model
from keras_perceptual.metrics.features import extract_features
from keras_perceptual.metrics.probe import linear_probe_accuracy
from keras_perceptual.metrics.reconstruction import mse
from keras_perceptual.metrics.reconstruction import psnr
from keras_perceptual.metrics.reconstruction import sharpness
from keras_perceptual.metrics.reconstruction import ssim
from keras_perceptual.metrics.stateful import FID
from keras_perceptual.metrics.stateful import KID

__all__ = [
    "FID",
    "KID",
    "class_agreement",
    "classifier_score",
    "cluster_to_class",
    "clustering_accuracy",
    "confident_fraction",
    "default_feature_model",
    "extract_features",
    "fid",
    "frechet_distance",
    "kernel_distance",
    "kid",
    "linear_probe_accuracy",
    "mse",
    "psnr",
    "sharpness",
    "ssim",
]
