"""DeePSiM: a perceptual loss in a frozen comparator's feature space, plus a
pixel term and, with a discriminator, an adversarial term (Dosovitskiy & Brox,
NIPS 2016)."""

import keras
from keras import ops

import keras_perceptual.validation as validation
from keras_perceptual.comparators import Comparator
from keras_perceptual.losses.base import LossFunctionWrapper
from keras_perceptual.losses.base import check_choice
from keras_perceptual.losses.gan import GENERATOR_MODES
from keras_perceptual.losses.gan import gan_generator_loss


def _mean_per_sample(x):
    x = ops.cast(x, "float32")
    return ops.mean(ops.reshape(x, (ops.shape(x)[0], -1)), axis=-1)


def check_lambdas(**values):
    """Each weight a finite number >= 0 (`validation.expect_float`)."""
    return {name: validation.expect_float(name, value, minimum=0) for name, value in values.items()}


def check_feature_weights(feature_weights, num_layers):
    """`feature_weights` as a list of `num_layers` non-negative floats."""
    if feature_weights is None:
        return [1.0] * num_layers
    weights = validation.expect_array("feature_weights", feature_weights, dtype="float64").reshape(-1)
    if len(weights) != num_layers or (weights.size and weights.min() < 0):
        raise validation.fail("feature_weights", f"one weight >= 0 per comparator layer ({num_layers})",
                              f"feature_weights={feature_weights!r}")
    return [float(w) for w in weights]


def check_deepsim_args(comparator, feature_weights, lambda_feat, lambda_img, lambda_adv, adversarial_mode):
    """Checks `deepsim_loss`'s options (the function's and the class's one
    check); returns `feature_weights`, one per layer of a `Comparator`."""
    check_lambdas(lambda_feat=lambda_feat, lambda_img=lambda_img, lambda_adv=lambda_adv)
    check_choice("adversarial_mode", adversarial_mode, GENERATOR_MODES)
    if not callable(comparator):
        raise ValueError(
            f"`comparator` must be a Comparator (see keras_perceptual.comparators). Received: comparator={comparator!r}"
        )
    if feature_weights is not None and isinstance(comparator, Comparator):
        feature_weights = check_feature_weights(feature_weights, len(comparator.layer_names))
    return feature_weights


def check_same_shape(y_true, y_pred):
    if tuple(y_true.shape[1:]) != tuple(y_pred.shape[1:]):
        raise ValueError(
            "DeePSiM compares a prediction with its target: they must have the same shape. "
            f"Expected y_pred of shape {tuple(y_true.shape)}. Received: y_pred of shape "
            f"{tuple(y_pred.shape)}"
        )


def comparator_distance(comparator, y_true, y_pred, feature_weights=None):
    """Weighted feature distance `sum_l w_l * mean((C_l(y) - C_l(y_hat))^2)`.

    One comparator call on the concatenated batch `[y_true, y_pred]`.

    Returns:
        `(distance, true_features)`: per-sample distances `(batch,)` and the
        list of `C_l(y_true)` (the conditioning of a discriminator's feature
        branch).
    """
    check_same_shape(y_true, y_pred)
    n = ops.shape(y_true)[0]
    both = ops.concatenate([ops.cast(y_true, "float32"), ops.cast(y_pred, "float32")], axis=0)
    features = comparator(both)
    weights = check_feature_weights(feature_weights, len(features))
    distance = 0.0
    true_features = []
    for w, f in zip(weights, features):
        f_true, f_pred = f[:n], f[n:]
        true_features.append(ops.stop_gradient(f_true))
        if w:
            distance = distance + w * _mean_per_sample(ops.square(f_true - f_pred))
    if isinstance(distance, float):
        distance = ops.zeros((n,), "float32")
    return distance, true_features


def discriminate(discriminator, images, true_features):
    """Logits of `discriminator` on `images`; a two-input discriminator also
    gets the last comparator layer's features of the targets, flattened."""
    if len(discriminator.inputs) == 2:
        cond = ops.reshape(true_features[-1], (ops.shape(true_features[-1])[0], -1))
        return discriminator([images, cond], training=False)
    return discriminator(images, training=False)


def deepsim_loss(
    y_true,
    y_pred,
    comparator,
    feature_weights=None,
    lambda_feat=1.0,
    lambda_img=0.1,
    lambda_adv=0.01,
    discriminator=None,
    adversarial_mode="non_saturating",
):
    """Per-sample DeePSiM loss:

    `lambda_feat * sum_l w_l * mean((C_l(y) - C_l(y_hat))^2)
     + lambda_img * mean((y - y_hat)^2)
     + lambda_adv * L_adv(D(y_hat))` (the last term only with a discriminator).

    Distances are means over each layer's elements (not the paper's sums),
    so layers of different sizes weigh alike and the lambdas do not depend
    on the image size.

    Args:
        y_true: target images in [-1, 1], `(batch, h, w, c)`.
        y_pred: generated images, same shape.
        comparator: a `keras_perceptual.comparators.Comparator` (or any
            callable `images -> list of features`).
        feature_weights: one weight per comparator layer (default: 1 each).
        lambda_feat, lambda_img, lambda_adv: weights >= 0 of the terms.
        discriminator: optional `keras.Model`, `images -> logits` or
            `[images, C(y) flattened] -> logits` (DeePSiM's discriminator with
            its comparator branch; `C` = the last comparator layer). Used
            frozen: the loss never trains it.
        adversarial_mode: "non_saturating" (`-log D(y_hat)`) or "minimax".

    Returns:
        Tensor of shape `(batch,)`.

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016, eq. (1)-(5).
    """
    check_deepsim_args(comparator, feature_weights, lambda_feat, lambda_img, lambda_adv, adversarial_mode)
    y_true = ops.convert_to_tensor(y_true)
    y_pred = ops.convert_to_tensor(y_pred)
    feat, true_features = comparator_distance(comparator, y_true, y_pred, feature_weights)
    loss = lambda_feat * feat
    if lambda_img:
        diff = ops.cast(y_true, "float32") - ops.cast(y_pred, "float32")
        loss = loss + lambda_img * _mean_per_sample(ops.square(diff))
    if discriminator is not None and lambda_adv:
        logits = discriminate(discriminator, y_pred, true_features)
        loss = loss + lambda_adv * gan_generator_loss(logits, adversarial_mode)
    return loss


@keras.saving.register_keras_serializable(package="keras_perceptual")
class DeePSiMLoss(LossFunctionWrapper):
    """The DeePSiM loss as a Keras loss, for any image-producing model:
    `model.compile(optimizer, loss=DeePSiMLoss(comparator))` and `fit(x, y)`
    with `y` the target images in [-1, 1] (sample weights supported).

    See `deepsim_loss` for the formula. The comparator (and discriminator)
    are frozen: `fit` trains only the compiled model. The loss serialises
    with its comparator's reference (backbone name, layers and weights: a
    preset name, a file or "imagenet"), so `model.save()` / `keras.saving.load_model()` work.

    Args:
        comparator: a `keras_perceptual.comparators.Comparator`.
        feature_weights: one weight per comparator layer (default: 1 each).
        lambda_feat: weight of the feature distance (>= 0).
        lambda_img: weight of the pixel distance (>= 0; stabilises training).
        lambda_adv: weight of the adversarial term, used only with a
            `discriminator` (>= 0).
        discriminator: optional frozen discriminator (see `deepsim_loss`).
            The `DeePSiM` model trains its own; here it is a fixed critic.
        adversarial_mode: "non_saturating" or "minimax".
        name, reduction, dtype: as in `keras.losses.Loss`.

    Example:
    >>> comp = kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")
    >>> model.compile("adam", loss=kp.losses.DeePSiMLoss(comp, lambda_img=0.1))
    >>> model.fit(noisy, clean, epochs=5)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016, arXiv:1602.02644.
    """

    def __init__(
        self,
        comparator,
        feature_weights=None,
        lambda_feat=1.0,
        lambda_img=0.1,
        lambda_adv=0.01,
        discriminator=None,
        adversarial_mode="non_saturating",
        name="deepsim_loss",
        reduction="sum_over_batch_size",
        dtype=None,
    ):
        feature_weights = check_deepsim_args(
            comparator, feature_weights, lambda_feat, lambda_img, lambda_adv, adversarial_mode
        )
        super().__init__(
            deepsim_loss,
            name=name,
            reduction=reduction,
            dtype=dtype,
            comparator=comparator,
            feature_weights=feature_weights,
            lambda_feat=lambda_feat,
            lambda_img=lambda_img,
            lambda_adv=lambda_adv,
            discriminator=discriminator,
            adversarial_mode=adversarial_mode,
        )
