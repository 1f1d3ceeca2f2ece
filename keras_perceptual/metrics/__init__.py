"""Evaluation metrics."""
from keras_perceptual.metrics.clustering import cluster_to_class
from keras_perceptual.metrics.clustering import clustering_accuracy

__all__ = ["cluster_to_class", "clustering_accuracy"]
