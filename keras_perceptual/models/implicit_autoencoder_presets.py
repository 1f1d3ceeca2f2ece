"""Presets of the implicit autoencoder family (`ImplicitAutoencoder`): the
paper's IAE and the clustering variant tuned on Fashion-MNIST, both trained
by the `iae` and `iae_clustering` recipes (`keras_perceptual/recipes/iae.py`):
one recipe that tells them apart by options only, the second judged by
clustering accuracy."""

from keras_perceptual.preset_config import converged_budget
from keras_perceptual.preset_config import fashion_mnist_spec

MAKHZANI_2018 = "Makhzani, \"Implicit autoencoders\", arXiv:1805.09804"
IAE_TAGS = ("autoencoder", "image-generation", "implicit-autoencoder", "gan")
SKIP = ("reconstruction_discriminator", "regularization_discriminator")

PRESETS = [
    fashion_mnist_spec(
        "iae_fashion_mnist", model="ImplicitAutoencoder", paper=MAKHZANI_2018,
        description="Implicit autoencoder (Makhzani 2018): 8-d Gaussian code, stochastic encoder, decoder noise, "
        "no pixel loss (reconstruction learned by the (x, z) GAN), plus two departures without which the code is "
        "ignored: a unit-variance code and InfoGAN's code-reconstruction term; samples.png: one code decoded under "
        "several decoder noises.",
        # Convolutional networks (iae_networks' defaults) instead of the
        # recipe's MLP: in a 400-step single-thread smoke run the MLP decoder
        # collapsed to one speckle pattern. The departures were chosen on
        # the validation class agreement under 8 decoder noises (1650-step
        # runs; README, "The paper's IAE"): with the paper's set-up alone
        # the encoder shrinks its code (variance 0.03-0.3) and the decoder
        # draws from its noise only (best 0.10-0.15, chance); a unit-variance
        # code alone: best 0.24; with the code-reconstruction term weighted
        # 1: 0.59, weighted 3: 0.63; without the decoder's BatchNorm: 0.45.
        recipe="iae", recipe_options={"code": "continuous", "conv_filters": (32, 64), "units": (256,),
                                      "normalize_code": True, "code_reconstruction_weight": 3.0,
                                      "decoder_batch_norm": True, "epochs": 10},
        budget=converged_budget("noise class agreement", "every 275 steps", 10, 100),
        stop_when_converged=True, validate_every=275,
        skip_networks=SKIP, tags=IAE_TAGS,
        baselines={"generation": "vae_fashion_mnist"},
    ),
    fashion_mnist_spec(
        "iae_clustering_fashion_mnist", model="ImplicitAutoencoder", paper=MAKHZANI_2018,
        description="Implicit autoencoder (Makhzani 2018), clustering variant: categorical code of 10 "
        "clusters plus decoder noise, deterministic encoder, a pixel MSE term and InfoGAN's code-reconstruction "
        "term (departures tuned on Fashion-MNIST, see keras_perceptual/recipes/iae.py).",
        # code_reconstruction_weight 1 (the faithful preset's departure):
        # validation clustering accuracy 0.55-0.65 over 5500 steps (best
        # 0.646 at step 2200) against 0.45-0.52 without it (best 0.521).
        recipe="iae_clustering", recipe_options={"code": "categorical", "code_reconstruction_weight": 1.0,
                                                 "epochs": 30},
        budget=converged_budget("clustering accuracy", "every epoch, 550 steps", 30, 100),
        stop_when_converged=True,
        skip_networks=SKIP, tags=IAE_TAGS + ("clustering",),
        baselines={"clustering": None},
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "iae_fashion_mnist": "cd1903157f7e701ed815017d3761b7817eea547b84b7fdd8d89933da463ef06f",
    "iae_clustering_fashion_mnist": "7180dc3e7581308b30b7ffd040956e70cf90141cf5a2c381ef05947248f8077a",
}
