"""Recurrent networks: Neurotaller's public ``fit()`` against an idiomatic PyTorch CPU loop.

SimpleRNN(32) and LSTM(32) over sequences of 50 steps of 1 feature, the last state into Dense(1), mean
squared error, Adam, batch 32, 2048 random sequences per epoch. PyTorch runs ``nn.RNN`` / ``nn.LSTM``
(batch_first, tanh) and a Linear on the last step's output. Same process, same thread count, timed as in
``conv_vs_torch.py`` (warm-up, alternating rounds of blocks, medians, ratio = PyTorch time / ours). Not a
test. Run:

    python benchmarks/recurrent_vs_torch.py [--threads 1 2] [--repeats R] [--rounds N] [--quick]
"""
from __future__ import annotations

import _common

SAMPLES, STEPS, UNITS, BATCH = 2048, 50, 32, 32


def torch_last_step(recurrent):
    """A PyTorch module: ``recurrent`` (batch_first) → its output at the last step → Linear(units, 1)."""
    from torch import nn

    class LastStep(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.recurrent = recurrent
            self.head = nn.Linear(UNITS, 1)

        def forward(self, x):
            sequence, _ = self.recurrent(x)
            return self.head(sequence[:, -1])
    return LastStep()


def main() -> None:
    parser = _common.argument_parser(__doc__.split("\n")[0])
    args = parser.parse_args()
    if not _common.start(args):
        return
    import numpy as np
    import torch
    from torch import nn

    from engine import keras

    threads = args.threads[0]
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    samples = 256 if args.quick else SAMPLES
    rng = np.random.default_rng(0)
    x = rng.normal(size=(samples, STEPS, 1)).astype(np.float32)
    y = (x.sum(axis=1) / np.sqrt(STEPS)).astype(np.float32)  # (samples, 1): a target the layers can learn
    x_torch, y_torch = torch.from_numpy(x), torch.from_numpy(y)
    print(_common.machine_header(threads))
    print(f"at start: {_common.load_average()}")
    rows: list = []
    cases = (("SimpleRNN", keras.layers.SimpleRNN, nn.RNN, 1.5, 4.0), ("LSTM", keras.layers.LSTM, nn.LSTM, 1.0, None))
    for name, our_layer, their_layer, target, aim in cases:
        ours = keras.Sequential([keras.Input((STEPS, 1)), our_layer(UNITS), keras.layers.Dense(1)])
        ours.compile(optimizer="adam", loss="mse")
        theirs = torch_last_step(their_layer(1, UNITS, batch_first=True))
        optimizer = torch.optim.Adam(theirs.parameters(), lr=1e-3, eps=1e-7)  # Keras' epsilon
        _common.compare(rows, f"{name}({UNITS}) × {STEPS} steps → Dense(1), MSE, Adam, batch {BATCH}, "
                              f"{samples} sequences (epoch)",
                        lambda ours=ours: ours.fit(x, y, batch_size=BATCH, epochs=1, verbose=0),
                        _common.torch_train_epoch(theirs, nn.MSELoss(), optimizer, x_torch, y_torch, BATCH),
                        args, target, aim)
    print(f"at end:   {_common.load_average()}")
    print()
    _common.print_rows(rows)


if __name__ == "__main__":
    main()
