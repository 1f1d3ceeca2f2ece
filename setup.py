"""What pyproject.toml cannot say: the repo's `weights/` folder (the source
of truth of the bundled presets) ships inside the package as
`keras_perceptual/weights/`, mapped rather than copied, so that a wheel
install loads every bundled preset offline."""

from setuptools import find_packages
from setuptools import setup

PRESET_FILES = ["*/config.json", "*/model.weights.h5", "*/metadata.json", "*/README.md", "*/samples.png",
                "*/learning_curve.png"]

setup(
    packages=find_packages(include=["keras_perceptual", "keras_perceptual.*"]) + ["keras_perceptual.weights"],
    package_dir={"keras_perceptual.weights": "weights"},
    package_data={"keras_perceptual.weights": PRESET_FILES},
)
