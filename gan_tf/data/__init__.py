"""TFDS input pipelines and the dataset registry."""

from gan_tf.data.pipelines import image_pipeline, resolve_image_size, to_uint8, to_unit_range
from gan_tf.data.registry import DATASETS, DatasetSpec, get_dataset_spec

__all__ = [
    "DATASETS",
    "DatasetSpec",
    "get_dataset_spec",
    "image_pipeline",
    "resolve_image_size",
    "to_uint8",
    "to_unit_range",
]
