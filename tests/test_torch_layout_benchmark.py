"""`benchmarks/torch_layout.py`: its plain PyTorch VAE/GAN has the library
networks' architecture, and the benchmark runs in smoke mode;
`benchmarks/torch_peer.py`: its peer VAE/GAN has the peer's architecture and
trains every player."""

import importlib.util
import json
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_perceptual as kp

pytestmark = pytest.mark.skipif(keras.backend.backend() != "torch", reason="a PyTorch benchmark")


def _benchmark(name="torch_layout"):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("family", ["small28", "larsen64"])
def test_plain_networks_have_the_library_architecture(family):
    channels = 1 if family == "small28" else 3
    plain, _ = _benchmark().plain_vaegan(family, channels)
    library = kp.networks.vaegan_networks(family, channels=channels)
    for player, net in library.items():
        keras_shapes = sorted(tuple(v.shape) for v in net.trainable_variables)
        # PyTorch orders kernel axes differently: compare sizes, and the count
        torch_sizes = sorted(int(np.prod(p.shape)) for p in plain[player].parameters())
        assert len(torch_sizes) == len(keras_shapes), player
        assert torch_sizes == sorted(int(np.prod(s)) for s in keras_shapes), player


@pytest.mark.parametrize("channels_last", [False, True])
def test_plain_step_trains_every_player(channels_last):
    import torch

    nets, step = _benchmark().plain_vaegan("small28", 1, channels_last)
    before = {p: [w.detach().clone() for w in m.parameters()] for p, m in nets.items()}
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    loss = step(x)
    assert torch.isfinite(loss)
    for player, module in nets.items():
        moved = [not torch.equal(a, b) for a, b in zip(before[player], module.parameters())]
        assert sum(moved) > len(moved) // 2, player


@pytest.mark.slow
def test_torch_layout_benchmark_smoke(tmp_path):
    out = tmp_path / "result.json"
    _benchmark().main(["--smoke", "--flops", "none", "--json", str(out)])
    result = json.loads(out.read_text())
    assert set(result["images_per_s"]) == {"library NCHW", "library NCHW Keras BN", "library NHWC", "plain NCHW",
                                           "plain NHWC"}
    assert len(set(result["images_per_s"].values())) == 5
    assert len(result["load_average"]) == result["rounds"]
    assert not result["failed"]


def test_library_variants_train_the_same_model_in_both_layouts():
    bench = _benchmark()
    first, x = bench.library_model("small28", 4, "channels_first")
    last, x_last = bench.library_model("small28", 4, "channels_last")
    np.testing.assert_array_equal(x, x_last)
    assert x.shape == (4, 28, 28, 1)
    formats = {layer.get_config().get("data_format") for layer in first.encoder.layers}
    assert "channels_first" in formats and "channels_first" not in {
        layer.get_config().get("data_format") for layer in last.encoder.layers}
    assert [tuple(t.shape) for t in first.discriminator.outputs] == [tuple(t.shape) for t in last.discriminator.outputs]


@pytest.mark.slow
def test_profile_mode_reports_the_ops():
    totals = _benchmark().main(["--smoke", "--flops", "none", "--steps", "1", "--profile", "library", "NCHW"])
    assert any("conv" in op for op in totals)
    assert "aten::native_batch_norm" in totals  # fit runs the fused BatchNorm
    keras_bn = _benchmark().main(["--smoke", "--flops", "none", "--steps", "1", "--profile", "library", "NCHW",
                                  "Keras", "BN"])
    assert "aten::native_batch_norm" not in keras_bn


def test_peer_networks_have_the_peer_architecture_and_train_every_player():
    import torch

    peer = _benchmark("torch_peer")
    nets, step = peer.peer_vaegan()
    assert peer.parameter_count(nets) == 32_233_188
    convs = [m for m in nets["decoder"].modules() if isinstance(m, torch.nn.ConvTranspose2d)]
    assert [m.out_channels for m in convs] == [128, 64, 32]
    before = {p: [w.detach().clone() for w in m.parameters()] for p, m in nets.items()}
    loss = step(torch.rand(2, 3, 64, 64) * 2 - 1)
    assert torch.isfinite(loss)
    for player, module in nets.items():
        moved = [not torch.equal(a, b) for a, b in zip(before[player], module.parameters())]
        assert sum(moved) > len(moved) // 2, player
    nets["discriminator"].eval()
    with torch.no_grad():
        labels, feature = nets["discriminator"](torch.zeros(2, 3, 64, 64))
    assert labels.shape == (2, 1) and feature.shape == (2, 256, 8, 8)
    assert float(labels.min()) >= 0 and float(labels.max()) <= 1  # sigmoid outputs


@pytest.mark.slow
def test_torch_peer_benchmark_smoke(tmp_path):
    out = tmp_path / "result.json"
    _benchmark("torch_peer").main(["--smoke", "--json", str(out)])
    result = json.loads(out.read_text())
    assert set(result["images_per_s"]) == {"library", "peer"}
    assert all(r > 0 for r in result["images_per_s"].values())
    assert result["parameters"]["peer"] == 32_233_188


def test_only_refuses_an_unknown_variant():
    with pytest.raises(ValueError, match="Expected `--only` to name some of"):
        _benchmark().main(["--smoke", "--flops", "none", "--only", "library NCHW", "no such variant"])
