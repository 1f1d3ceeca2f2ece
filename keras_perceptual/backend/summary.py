"""TensorBoard image summaries through `tf.summary` (TensorFlow is installed
with every backend; this is the one place outside tf.data that imports it,
like `keras.callbacks.TensorBoard`)."""

_WRITERS = {}


def write_image(log_dir, tag, image, step):
    """Writes one uint8 image `(h, w)` or `(h, w, c)` to the event file of
    `log_dir` (one writer per folder, reused), as `keras.callbacks.TensorBoard`
    writes its scalars."""
    import numpy as np
    import tensorflow as tf

    image = np.asarray(image, "uint8")
    if image.ndim == 2:
        image = image[..., None]
    key = str(log_dir)
    if key not in _WRITERS:
        _WRITERS[key] = tf.summary.create_file_writer(key)
    writer = _WRITERS[key]
    with writer.as_default():
        tf.summary.image(tag, image[None], step=int(step))
    writer.flush()
