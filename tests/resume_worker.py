"""A training run for tests/test_resume.py, in its own process:

    python tests/resume_worker.py OUTPUT KILL_AT [OPTION=VALUE ...]

trains the `aae` recipe's smoke set-up (tiny networks, 64 images, batch 16,
4 steps per epoch) for 3 epochs with a checkpoint every 3 steps; with
KILL_AT > 0 the process SIGKILLs itself at the end of that step. It writes
every model and optimizer variable to OUTPUT/final.npz at the end."""

import json
import os
import signal
import sys

import keras
import numpy as np

from keras_perceptual.training import train


class KillAt(keras.callbacks.Callback):
    def __init__(self, step):
        super().__init__()
        self.step = step
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            os.kill(os.getpid(), signal.SIGKILL)


def main(argv):
    output, kill_at = argv[0], int(argv[1])
    options = {k: json.loads(v) for k, v in (a.split("=", 1) for a in argv[2:])}
    options = {"limit": 64, "regularizer": "gan", **options}
    record = train("aae", output, epochs=3, batch_size=16, smoke=True, seed=3, options=options, checkpoint_every=3,
                   verbose=0, callbacks=[KillAt(kill_at)] if kill_at else [], command="resume_worker " + output)
    model = record.model
    arrays = [keras.ops.convert_to_numpy(v.value) for v in list(model.variables) + list(model.optimizer.variables)]
    np.savez(os.path.join(output, "final.npz"), *arrays)
    print(json.dumps({"steps": record.steps, "runs": record.runs}))


if __name__ == "__main__":
    main(sys.argv[1:])
