"""Presets and the Hub: `from_pretrained`, `save_pretrained`, `push_to_hub`."""


class PretrainedMixin:
    pass
