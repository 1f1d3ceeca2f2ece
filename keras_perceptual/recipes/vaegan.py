"""VAE/GAN training recipe (Larsen et al. 2016): Fashion-MNIST with the
small 28x28 networks, or CelebA 64x64 with the authors' networks and
preprocessing. Conditional on labels / the 40 attributes with
`conditional=True` (paper §4.2)."""

import time
from pathlib import Path

import keras
import numpy as np

from keras_perceptual import datasets
from keras_perceptual.callbacks import SampleGrid
from keras_perceptual.models.vaegan import VAEGAN
from keras_perceptual.networks.vaegan import vaegan_networks

DESCRIPTION = "VAE/GAN (Larsen et al. 2016) on fashion_mnist (28x28) or celeba (64x64, authors' recipe)"

DATASETS = {
    # family, channels, number of condition values
    "fashion_mnist": ("small28", 1, 10),
    "celeba": ("larsen64", 3, 40),
}

# Fashion-MNIST defaults depart from the paper's in two named options. With
# gamma=1e-3 and the saturating decoder loss, one epoch (937 steps, TF, CPU)
# gave noise-textured samples: the discriminator won (fake BCE 0.25, its
# equilibrium gate let it update on 4% of steps) and the saturating loss
# then gives the decoder vanishing gradients. The non-saturating loss and a
# larger gamma (the summed 7x7x128 feature loss is ~450, the GAN loss ~1)
# address exactly that. The paper's 1e-6 is for 8x8x256 CelebA features
# under the authors' loss normalisation.
DEFAULTS = {
    "fashion_mnist": dict(gamma=1e-2, decoder_gan_loss="non_saturating", learning_rate=3e-4,
                          lr_decay_steps=1000, epochs=10),
    "celeba": dict(gamma=1e-6, learning_rate=3.9e-4, lr_decay_steps=250, epochs=250),
}


def build(dataset="fashion_mnist", conditional=False, latent_dim=None, seed=0, **options):
    """A VAEGAN with the dataset's networks and the paper's options."""
    if dataset not in DATASETS:
        raise ValueError(f"`dataset` must be one of {sorted(DATASETS)}. Received: dataset={dataset!r}")
    family, channels, n_cond = DATASETS[dataset]
    nets = vaegan_networks(family, channels=channels, latent_dim=latent_dim,
                           condition_dim=n_cond if conditional else 0)
    options.setdefault("gamma", DEFAULTS[dataset]["gamma"])
    if "decoder_gan_loss" in DEFAULTS[dataset]:
        options.setdefault("decoder_gan_loss", DEFAULTS[dataset]["decoder_gan_loss"])
    return VAEGAN(**nets, seed=seed, **options)


def compile_model(model, learning_rate, lr_decay_steps, jit_compile="auto"):
    """RMSProp for every player, the learning rate decayed by 0.75 every
    `lr_decay_steps` steps (authors: 0.75 per 250 batches)."""
    schedule = keras.optimizers.schedules.ExponentialDecay(
        learning_rate, decay_steps=lr_decay_steps, decay_rate=0.75, staircase=True
    )
    model.compile(optimizer=keras.optimizers.RMSprop(schedule), jit_compile=jit_compile)
    return model


def load_data(dataset, batch_size, conditional, smoke, split="train", data_dir=None):
    if dataset == "fashion_mnist":
        return datasets.fashion_mnist_dataset(
            split, batch_size, labels=conditional, one_hot=True, limit=4 * batch_size if smoke else None,
            path=data_dir,
        )
    ds = datasets.celeba_dataset(split, batch_size, attributes=conditional, data_dir=data_dir)
    return ds.take(4) if smoke else ds


def train(output=None, epochs=None, batch_size=64, smoke=False, seed=0, dataset="fashion_mnist",
          verbose=1, conditional=False, learning_rate=None, lr_decay_steps=None, data_dir=None,
          jit_compile="auto", **options):
    """Trains a VAEGAN; returns the model.

    With `output`, writes sample and reconstruction grids each epoch under
    `output/grids/`, keeps a `BackupAndRestore` checkpoint in
    `output/backup/` (an interrupted run resumes where it stopped), and
    stores the training record in `model.training_record`.
    """
    if dataset not in DATASETS:
        raise ValueError(f"`dataset` must be one of {sorted(DATASETS)}. Received: dataset={dataset!r}")
    keras.utils.set_random_seed(seed)
    model = build(dataset, conditional=conditional, seed=seed, **options)
    return fit(model, "vaegan", output=output, epochs=epochs, batch_size=batch_size, smoke=smoke, seed=seed,
               dataset=dataset, verbose=verbose, conditional=conditional, learning_rate=learning_rate,
               lr_decay_steps=lr_decay_steps, data_dir=data_dir, jit_compile=jit_compile)


def fit(model, recipe, output=None, epochs=None, batch_size=64, smoke=False, seed=0, dataset="fashion_mnist",
        verbose=1, conditional=False, learning_rate=None, lr_decay_steps=None, data_dir=None,
        jit_compile="auto"):
    """Compiles and trains a built `VAEGAN` or `VAE` with the dataset's
    recipe (see `train`); shared by the `vaegan` and `vae` recipes so the
    baseline gets exactly the same data, optimizer and budget."""
    d = DEFAULTS[dataset]
    epochs = 1 if smoke and epochs is None else (epochs or d["epochs"])
    learning_rate = learning_rate or d["learning_rate"]
    lr_decay_steps = lr_decay_steps or d["lr_decay_steps"]
    compile_model(model, learning_rate, lr_decay_steps, jit_compile=jit_compile)
    data = load_data(dataset, batch_size, conditional, smoke, data_dir=data_dir)

    callbacks = []
    if output:
        output = Path(output)
        real = next(iter(data))
        images, labels = (real if conditional else (real, None))
        images = np.asarray(images)[:16]
        conds = None
        if conditional:
            n_cond = model.condition_dim
            sample_c = np.eye(n_cond, dtype="float32")[np.arange(64) % n_cond] if dataset == "fashion_mnist" \
                else np.repeat(np.asarray(labels)[:8], 8, axis=0)
            conds = (sample_c, np.asarray(labels)[:16])
        callbacks.append(SampleGrid(output / "grids", num_samples=64, images=images, conditions=conds, seed=seed))
        callbacks.append(keras.callbacks.BackupAndRestore(str(output / "backup"), delete_checkpoint=False))
    start = time.time()
    history = model.fit(data, epochs=epochs, verbose=verbose, callbacks=callbacks)
    steps = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    model.training_record = {
        "recipe": f"keras_perceptual.recipes.{recipe}",
        "dataset": dataset,
        "conditional": conditional,
        "epochs": epochs,
        "steps": steps,
        "batch_size": batch_size,
        "optimizer": f"RMSprop({learning_rate}, x0.75 every {lr_decay_steps} steps)",
        "wall_time_s": round(time.time() - start, 1),
        "backend": keras.backend.backend(),
        # Empty when a restored backup had already finished every epoch.
        "final_losses": {k: float(v[-1]) for k, v in history.history.items() if v},
    }
    return model
