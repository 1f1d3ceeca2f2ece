"""Training plans: how each registered preset is trained.

The load-time config (`keras_perceptual.preset_config`, read by
`from_pretrained` and `keras-perceptual list`) says what a preset IS; a
`TrainingPlan` says how its weights are MADE: the recipe, its options, the
budget, the networks left out of the weights file, the seed and the
stopping rule. `benchmarks/train_presets.py` reads them. Numbers measured
on a run (FIDs, scores) live in the preset's metadata and model card, never
here.
"""

import dataclasses
from typing import Mapping
from typing import Optional

import keras_perceptual.presets as presets


@dataclasses.dataclass(frozen=True)
class TrainingPlan:
    """How preset `name` is trained.

    Args:
        name: the registered preset name.
        recipe: the module of `keras_perceptual.recipes` that trains it.
        recipe_options: keyword arguments of that recipe (epochs included).
        budget: the training budget in words (steps, epochs, batch, rule).
        needs_comparator: the recipe takes the classifier preset's weights.
        skip_networks: sub-networks left out of the weights file.
        seed: the seed of its training run (initialisation, data order,
            the model's random draws).
        stop_when_converged: the budget (`recipe_options["epochs"]`) is a
            cap: training stops once the recipe's validation curve has
            converged (`keras_perceptual.training.has_converged`).
        validate_every: steps between validation measurements (None: the
            recipe's default).
        same_budget_as: a baseline trained for exactly the steps the named
            preset's recorded training took (the same budget as what it
            is compared with), read from that preset's metadata.
    """

    name: str
    recipe: str
    recipe_options: Mapping = dataclasses.field(default_factory=dict)
    budget: Optional[str] = None
    needs_comparator: bool = False
    skip_networks: tuple = ()
    seed: int = 0
    stop_when_converged: bool = False
    validate_every: Optional[int] = None
    same_budget_as: Optional[str] = None

    def __post_init__(self):
        presets.get_spec(self.name)  # a registered preset (ValueError with the closest names)
        if self.same_budget_as is not None:
            presets.get_spec(self.same_budget_as)

    @property
    def recipe_module(self):
        return f"keras_perceptual.recipes.{self.recipe}"


def converged_budget(metric, every, cap_epochs, batch_size):
    """The `budget` text of a Fashion-MNIST preset trained with
    `stop_when_converged` (the best point restored), e.g.
    `converged_budget("sample FID", "every epoch, 550 steps", 30, 100)`."""
    return (f"until the validation {metric} ({every}) improves by less than 2% over the last fifth of the run, "
            f"best point restored; cap {cap_epochs} epochs of the 55k training images, batch {batch_size}")


# The VAE/GAN is trained until its validation FID converges, its baseline
# VAE for exactly as many steps and with the same learning-rate schedule.
# 430 steps is half an epoch of the 55k training images at batch 64.
VAEGAN_CAP_EPOCHS = 10
# The recipe decays the learning rate by 0.75 every 1000 steps; every 2000
# steps was chosen on the validation FID.
VAEGAN_LR_DECAY_STEPS = 2000
# The conditional model's cap: its 3-epoch run was still falling over its
# last fifth.
CONDITIONAL_CAP_EPOCHS = 8
VAEGAN_FID = "FID (evaluator features, 2,000 samples vs the 5,000 validation images, every 430 steps)"
DEEPSIM = dict(recipe_options={"epochs": 10},
               budget=converged_budget("reconstruction FID", "every 430 steps", 10, 64),
               stop_when_converged=True, validate_every=430,
               needs_comparator=True, skip_networks=("comparator", "discriminator"))
IAE_DISCRIMINATORS = ("reconstruction_discriminator", "regularization_discriminator")

PLANS = {plan.name: plan for plan in [
    TrainingPlan(
        "vae_fashion_mnist", recipe="vae", recipe_options={"lr_decay_steps": VAEGAN_LR_DECAY_STEPS},
        budget="exactly the steps of vaegan_fashion_mnist (same budget), batch 64, its learning-rate schedule",
        same_budget_as="vaegan_fashion_mnist", validate_every=430,
    ),
    TrainingPlan(
        # kl_weight 30 (paper: 1), chosen by benchmarks/vaegan_kl_weight.py:
        # the summed feature loss (~450 for 7x7x128 features) dwarfs a KL of
        # weight 1, the aggregate posterior drifts from the prior, and prior
        # samples suffer.
        "vaegan_fashion_mnist", recipe="vaegan",
        recipe_options={"epochs": VAEGAN_CAP_EPOCHS, "kl_weight": 30.0, "lr_decay_steps": VAEGAN_LR_DECAY_STEPS},
        budget=f"until the validation {VAEGAN_FID} improves by less than 2% over the last fifth of the run; cap "
        f"{VAEGAN_CAP_EPOCHS} epochs of the 55k training images, batch 64; kl_weight 30 chosen on the "
        "validation FID (benchmarks/vaegan_kl_weight.py); learning rate x0.75 every 2000 steps (recipe "
        "default: 1000), chosen on the validation FID",
        stop_when_converged=True, validate_every=430, skip_networks=("discriminator",),
    ),
    TrainingPlan(
        "vaegan_conditional_fashion_mnist", recipe="vaegan",
        recipe_options={"epochs": CONDITIONAL_CAP_EPOCHS, "conditional": True, "kl_weight": 100.0},
        budget=converged_budget("FID", "evaluator features, 2,000 samples vs the 5,000 validation images, every "
                                "430 steps", CONDITIONAL_CAP_EPOCHS, 64)
        + ". Options chosen on the class score (the evaluator's, validation images) by "
        "benchmarks/conditional_vaegan.py on 250-step runs (benchmarks/results/conditional_vaegan.json), then "
        "the two finalists trained to convergence",
        stop_when_converged=True, validate_every=430, skip_networks=("discriminator",),
    ),
    TrainingPlan("celeba64", recipe="vaegan", recipe_options={"dataset": "celeba"},
                 budget="about 62.5k steps of batch 64"),
    TrainingPlan("fashion_mnist_classifier", recipe="fashion_mnist_classifier", recipe_options={"epochs": 5},
                 budget="5 epochs, batch 128"),
    TrainingPlan(
        "fashion_mnist_evaluator", recipe="fashion_mnist_evaluator", recipe_options={"epochs": 8},
        budget="8 epochs of the 55k training images, batch 128, Adam 1e-3 divided by 10 for the last epoch; "
        "validation accuracy measured every epoch (a convergence stop fired early on a BatchNorm-noisy curve, "
        "before the learning-rate drop, so the evaluator trains the whole schedule)",
        seed=1,
    ),
    TrainingPlan(
        "pixel_autoencoder_fashion_mnist", recipe="pixel_autoencoder",
        same_budget_as="deepsim_autoencoder_fashion_mnist", validate_every=430,
        budget="exactly the steps of deepsim_autoencoder_fashion_mnist (same budget), batch 64",
    ),
    TrainingPlan("deepsim_autoencoder_fashion_mnist", recipe="deepsim_autoencoder", **DEEPSIM),
    TrainingPlan("deepsim_vae_fashion_mnist", recipe="deepsim_vae", **DEEPSIM),
    TrainingPlan("deepsim_inverter_fashion_mnist", recipe="deepsim_inverter", **DEEPSIM),
    TrainingPlan(
        "aae_fashion_mnist", recipe="aae", recipe_options={"epochs": 30, "prior": "gaussian", "latent_dim": 8},
        budget=converged_budget("sample FID", "every epoch, 550 steps", 30, 100),
        skip_networks=("discriminator",), stop_when_converged=True,
    ),
    TrainingPlan(
        "aae_clustering_gan_fashion_mnist", recipe="aae_clustering",
        recipe_options={"regularizer": "gan", "epochs": 30},
        budget=converged_budget("clustering accuracy", "every epoch, 550 steps", 30, 100),
        skip_networks=("discriminator",), stop_when_converged=True,
    ),
    TrainingPlan(
        "aae_clustering_mmd_fashion_mnist", recipe="aae_clustering",
        recipe_options={"regularizer": "mmd", "epochs": 40},
        budget=converged_budget("clustering accuracy", "every epoch, 550 steps", 40, 100),
        stop_when_converged=True,
    ),
    TrainingPlan(
        # Convolutional networks (iae_networks' defaults) instead of the
        # recipe's MLP: in a 400-step single-thread smoke run the MLP decoder
        # collapsed to one speckle pattern. The departures were chosen on
        # the validation class agreement under 8 decoder noises (1650-step
        # runs; README, "The paper's IAE"): with the paper's set-up alone
        # the encoder shrinks its code (variance 0.03-0.3) and the decoder
        # draws from its noise only (best 0.10-0.15, chance); a unit-variance
        # code alone: best 0.24; with the code-reconstruction term weighted
        # 1: 0.59, weighted 3: 0.63; without the decoder's BatchNorm: 0.45.
        "iae_fashion_mnist", recipe="iae",
        recipe_options={"code": "continuous", "conv_filters": (32, 64), "units": (256,), "normalize_code": True,
                        "code_reconstruction_weight": 3.0, "decoder_batch_norm": True, "epochs": 10},
        budget=converged_budget("noise class agreement", "every 275 steps", 10, 100),
        skip_networks=IAE_DISCRIMINATORS, stop_when_converged=True, validate_every=275,
    ),
    TrainingPlan(
        # code_reconstruction_weight 1 (the faithful preset's departure):
        # validation clustering accuracy 0.55-0.65 over 5500 steps (best
        # 0.646 at step 2200) against 0.45-0.52 without it (best 0.521).
        "iae_clustering_fashion_mnist", recipe="iae_clustering",
        recipe_options={"code": "categorical", "code_reconstruction_weight": 1.0, "epochs": 30},
        budget=converged_budget("clustering accuracy", "every epoch, 550 steps", 30, 100),
        skip_networks=IAE_DISCRIMINATORS, stop_when_converged=True,
    ),
]}


def get_plan(name):
    """The `TrainingPlan` of preset `name`; a ValueError naming the presets
    that have one otherwise."""
    if name not in PLANS:
        presets.get_spec(name)  # an unknown preset: the registry's message, with its closest names
        raise ValueError(f"Expected a preset with a training plan, one of {sorted(PLANS)}, received "
                         f"name={name!r}.")
    return PLANS[name]
