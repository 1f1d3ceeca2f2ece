"""Presets of the zoo's two Fashion-MNIST classifiers (`Classifier`):

- `fashion_mnist_classifier`, the DeePSiM comparator: the DeePSiM presets
  are trained against its features;
- `fashion_mnist_evaluator`, the judge: every FID/KID, reconstruction FID
  and classifier score of the README and the cards is measured in its
  features. Its own architecture and seed; no preset's loss ever sees it,
  so no model is graded in the feature space of a network it was trained
  against.
"""

from keras_perceptual.models.deepsim_presets import DOSOVITSKIY_2016
from keras_perceptual.preset_config import fashion_mnist_spec

PRESETS = [
    fashion_mnist_spec(
        "fashion_mnist_classifier", model="Classifier",
        description="The zoo's Fashion-MNIST CNN classifier: the DeePSiM comparator (the network the DeePSiM "
        "presets are trained against). The zoo's metrics use fashion_mnist_evaluator instead.",
        paper=DOSOVITSKIY_2016 + " (the comparator's role)",
        tags=("image-classification", "fashion-mnist"),
    ),
    fashion_mnist_spec(
        "fashion_mnist_evaluator", model="Classifier",
        description="The zoo's Fashion-MNIST evaluation network: the feature space of every FID/KID, "
        "reconstruction FID and classifier score the zoo reports. No preset trains against it.",
        paper="Heusel et al., \"GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash "
        "Equilibrium\", NIPS 2017, arXiv:1706.08500 (FID; this network plays Inception's part)",
        tags=("image-classification", "fashion-mnist", "evaluation"),
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "fashion_mnist_classifier": "532d0e93c51d2dbbc4c0af23e922ec5dbc4509f78c69a312e941e4f85cee44c3",
    "fashion_mnist_evaluator": "19a943bbca385b2eb2d9e57c5974310dce62e6f95fd19b9c2ec02b1899573a0b",
}
