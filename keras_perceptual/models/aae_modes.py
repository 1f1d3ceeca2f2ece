"""What an adversarial autoencoder's `mode` changes (Makhzani et al. 2015): a
strategy object per mode, so the model's step reads the same whichever is
chosen.

- `UnsupervisedMode`: images only; any prior.
- `SupervisedMode` (paper §2.3, Fig. 4): `(images, labels)`; the prior is
  sampled at each image's label and the regulariser compares
  `[code, one_hot(label)]` with `[prior draw, one_hot(label)]`.
- `SemiSupervisedMode` (§6): `(images, labels)`, `-1` marking unlabelled
  images; a categorical code, whose head the labelled images train with a
  cross-entropy term (the semi-supervised classification phase).
- `ClusteringMode` (§7): images only; a categorical code, an image's cluster
  the argmax of its categorical part.

A mode checks the prior, says what the discriminators' inputs add to the
code (`label_dim`), splits a batch into images and labels, conditions the
regulariser's inputs, gives the encoder's classification terms, and checks
the labels given to `fit`.
"""

import keras
import numpy as np
from keras import ops

import keras_perceptual.priors as kp_priors
import keras_perceptual.validation as validation
from keras_perceptual.models.checks import split_conditional_data


class UnsupervisedMode:
    """Images only, any prior: nothing is conditioned on labels. The base of
    the other modes."""

    name = "unsupervised"
    uses_labels = False
    log_names = ()  # the names of `classification_terms`

    def check_prior(self, prior):
        pass

    def label_dim(self, prior):
        """What the mode appends to each code a discriminator sees."""
        return 0

    def split(self, data, image_shape, who):
        """A training batch as `(images, labels)`; labels None unless the
        mode reads them."""
        x, _ = split_conditional_data(data, False, image_shape, who)
        return x, self.labels(data)

    def labels(self, data):
        return None

    def prior_labels(self, labels):
        """The labels to sample the prior at (None: unconditioned draws)."""
        return None

    def condition(self, parts, labels, prior):
        """The regulariser's `(player, codes, prior_draws)` parts, as the
        discriminators see them."""
        return parts

    def classification_terms(self, labels, outputs, prior):
        """`{log_name: term}` added to the encoder's loss with weight
        `supervised_weight`."""
        return {}

    def check_fit_labels(self, x, y, prior):
        """Checks the labels `fit` is given, before it runs."""


class ClusteringMode(UnsupervisedMode):
    """Images only, a categorical code: the cluster of an image is the argmax
    of its categorical part."""

    name = "clustering"

    def check_prior(self, prior):
        check_categorical_code(self.name, prior)


class LabelledMode(UnsupervisedMode):
    """Base of the modes that train on `(images, labels)`."""

    uses_labels = True
    allows_unlabelled = False

    def labels(self, data):
        _, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        if y is None:
            raise ValueError(
                f"mode={self.name!r} trains on `(images, labels)` (labels -1 for unlabelled "
                "images in 'semi_supervised'). Received images without labels."
            )
        if len(y.shape) == 2:  # one-hot rows; all-zero rows are unlabelled
            y = ops.where(ops.sum(y, axis=-1) > 0, ops.argmax(y, axis=-1), -1)
        return ops.cast(ops.reshape(y, (-1,)), "int32")

    def check_fit_labels(self, x, y, prior):
        labels = y
        if labels is None and hasattr(x, "element_spec") and hasattr(x, "take"):
            for batch in x.take(1):
                labels = batch[1] if isinstance(batch, (tuple, list)) and len(batch) > 1 else None
        if labels is None:
            raise ValueError(
                f"mode={self.name!r} needs labels: call fit(images, labels) or give a dataset of "
                "(images, labels). Received images only."
            )
        labels = validation.expect_array("labels", labels, dtype=None)
        if labels.ndim == 2:
            labels = np.where(labels.sum(-1) > 0, labels.argmax(-1), -1)
        labels = kp_priors.check_labels(labels, prior.num_classes, allow_unlabelled=self.allows_unlabelled)
        if y is not None and not np.any(labels >= 0):
            raise ValueError(
                f"mode={self.name!r} needs at least one labelled image (label in "
                f"[0, {prior.num_classes})). Received: every label is -1."
            )


class SupervisedMode(LabelledMode):
    """The prior sampled at each image's label, and the labels' one-hot
    appended to the codes and prior draws the regulariser compares."""

    name = "supervised"

    def check_prior(self, prior):
        if prior.num_classes is None:
            raise ValueError(
                "mode='supervised' needs a label-conditioned prior (GaussianMixturePrior, "
                f"SwissRollPrior or CategoricalPrior). Received: prior={prior!r}"
            )

    def label_dim(self, prior):
        return prior.num_classes

    def prior_labels(self, labels):
        return labels

    def condition(self, parts, labels, prior):
        one_hot = ops.one_hot(labels, prior.num_classes, dtype="float32")
        return [(p, ops.concatenate([f, one_hot], -1), ops.concatenate([r, one_hot], -1)) for p, f, r in parts]


class SemiSupervisedMode(LabelledMode):
    """A categorical code; the labelled images (label >= 0) add the
    cross-entropy of the categorical head to the encoder's loss."""

    name = "semi_supervised"
    allows_unlabelled = True
    log_names = ("cross_entropy",)

    def check_prior(self, prior):
        check_categorical_code(self.name, prior)

    def classification_terms(self, labels, outputs, prior):
        return {"cross_entropy": masked_cross_entropy(labels, outputs[:, : prior.num_classes])}


def check_categorical_code(mode, prior):
    if not isinstance(prior, kp_priors.CategoricalPrior):
        raise ValueError(
            f"mode={mode!r} needs a categorical code: pass "
            f"`prior=CategoricalPrior(num_classes, style_dim)`. Received: prior={prior!r}"
        )


def masked_cross_entropy(labels, logits):
    """Mean cross-entropy over the labelled rows (label >= 0); 0 without any."""
    mask = ops.cast(labels >= 0, "float32")
    ce = ops.sparse_categorical_crossentropy(ops.maximum(labels, 0), logits, from_logits=True)
    return ops.sum(ce * mask) / ops.maximum(ops.sum(mask), 1.0)


MODES = {mode.name: mode for mode in (UnsupervisedMode, SupervisedMode, SemiSupervisedMode, ClusteringMode)}


def get(mode):
    """The strategy of an `AdversarialAutoencoder`'s `mode`."""
    validation.expect_choice("mode", mode, tuple(MODES))
    return MODES[mode]()
